@testable import CurlTransport
import EtcdTestSupport
import Testing

/// Each request reaches its own endpoint, path and query, although the transport hands libcurl
/// the URL as parts kept on a reused handle (`CURLOPT_CURLU`: the endpoint parsed once, the
/// path and the query set per request) as well as the string.
struct TransportURLTests {
    /// One transport, requests in turn to two servers, with and without queries: the handle
    /// and its parsed URL are reused for each, so a part left over from the request before (a
    /// query, the other endpoint) would show up in what a server received.
    @Test(arguments: TransportTest.scopes)
    func everyRequestArrivesWithItsOwnTargetAndHost(scope: DirectPathScope) async throws {
        let first = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { first.shutdown() }
        let second = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { second.shutdown() }
        let sends: [(server: LoopbackServer, target: String)] = [
            (first, "/v2/keys/a?quorum=true&recursive=true"),
            (first, "/v2/keys/b"),
            (second, "/v2/keys/c?wait=true&waitIndex=7"),
            (second, "/v2/keys/c"),
            (first, "/v2/keys/d%20e/f?prevValue=%26x"),
            (second, "/v2/members"),
            (first, "/version"),
        ]
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        for send in sends {
            let response = try await transport.execute(TransportTest.request(send.server.url, path: send.target))
            #expect(response.status == 200)
        }
        for server in [first, second] {
            let expected = sends.filter { $0.server === server }.map(\.target)
            #expect(server.receivedRequests.map(\.target) == expected)
            #expect(server.receivedRequests.allSatisfy { $0.headers["host"] == "127.0.0.1:\(server.port)" })
        }
        #expect(await transport.statistics().connectionsOpened == 2, "one kept-alive connection per server")
        await transport.shutdown()
    }

    /// libcurl writes the hex digits of a path's or query's escapes in lower case when they
    /// are set as parts (`%2F` arrives as `%2f`); the direct path sends the target as it is.
    /// HTTP servers, etcd's among them, read both alike (RFC 3986, 2.1). Nothing else of the
    /// target changes.
    @Test(arguments: TransportTest.scopes)
    func escapesArriveWithLowerCaseHexDigitsFromLibcurl(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let target = "/v2/keys/%C3%A9%2F%3F%23?prevValue=%2B%25"
        #expect(try await transport.execute(TransportTest.request(server.url, path: target)).status == 200)
        let expected = scope == .off ? "/v2/keys/%c3%a9%2f%3f%23?prevValue=%2b%25" : target
        #expect(server.receivedRequests.map(\.target) == [expected])
        #expect(await transport.statistics().directRequests == (scope == .off ? 0 : 1))
        await transport.shutdown()
    }
}

/// Each request carries its own header fields, although a reused easy handle keeps the
/// `CURLOPT_HTTPHEADER` list of its last transfer when the fields are the same.
struct TransportHeaderListTests {
    /// One transport, requests in turn (so one easy handle serves them all): the same fields
    /// twice, other fields, none, a body (which adds `Expect:` to the list), and the first
    /// fields again. A list left over from the request before would show up at the server.
    @Test func everyRequestArrivesWithItsOwnFields() async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { server.shutdown() }
        let sends: [(method: HTTPMethod, headers: [HTTPHeader], body: [UInt8]?)] = [
            (.get, [HTTPHeader("X-One", "1")], nil),
            (.get, [HTTPHeader("X-One", "1")], nil),
            (.get, [HTTPHeader("X-One", "2"), HTTPHeader("X-Two", "b")], nil),
            (.get, [], nil),
            (.put, [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")], Array("value=v".utf8)),
            (.put, [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")], Array("value=w".utf8)),
            (.get, [HTTPHeader("X-One", "1")], nil),
        ]
        let transport = try CurlTransport()
        for send in sends {
            let request = TransportRequest(
                method: send.method, endpoint: server.url, pathAndQuery: "/v2/keys/h", headers: send.headers,
                body: send.body)
            #expect(try await transport.execute(request).status == 200)
        }
        let received = server.receivedRequests
        try #require(received.count == sends.count)
        for (send, request) in zip(sends, received) {
            let custom = request.headers.filter { $0.key.hasPrefix("x-") }
            #expect(custom == Dictionary(uniqueKeysWithValues: send.headers.filter { $0.name.hasPrefix("X-") }.map { ($0.name.lowercased(), $0.value) }))
            #expect(request.headers["content-type"] == (send.body == nil ? nil : "application/x-www-form-urlencoded"))
            #expect(request.headers["expect"] == nil, "no 100-continue")
            #expect(request.method == send.method.rawValue)
        }
        await transport.shutdown()
    }
}

/// Which endpoints the parsed parts are used for: a bare origin only; anything else goes to
/// libcurl as the string alone, as before.
struct EasyHandleOriginTests {
    @Test(arguments: [
        ("http://127.0.0.1:2379", true),
        ("https://etcd.example:2379", true),
        ("http://[::1]:2379", true),
        ("http://user:pw@host:1", true),
        ("http://host:1/prefix", false),
        ("http://host:1/", false),
        ("http://host:1?x=1", false),
        ("http://host:1#f", false),
        ("host:2379", false),
    ])
    func onlyBareOriginsAreSetAsParts(endpoint: String, bare: Bool) {
        #expect(EasyHandle.isBareOrigin(endpoint) == bare)
    }

    /// An endpoint with a path of its own (the transport does not forbid one) keeps it.
    @Test func anEndpointsOwnPathIsKept() async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { server.shutdown() }
        let transport = try CurlTransport()
        for target in ["/v2/keys/a?wait=true", "/v2/keys/b"] {
            #expect(try await transport.execute(TransportTest.request(server.url + "/base", path: target)).status == 200)
            #expect(try await transport.execute(TransportTest.request(server.url, path: target)).status == 200)
        }
        #expect(
            server.receivedRequests.map(\.target) == [
                "/base/v2/keys/a?wait=true", "/v2/keys/a?wait=true", "/base/v2/keys/b", "/v2/keys/b",
            ])
        await transport.shutdown()
    }
}
