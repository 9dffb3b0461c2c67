@testable import CurlTransport
import EtcdTestSupport
import Testing

/// `GET`s without libcurl (``DirectRoute``), long polls and plain ones, against servers that
/// misbehave: each case ends as it does on the libcurl path, the same kind and delivery of
/// error, so callers cannot tell the two paths apart.
struct DirectPathTests {
    /// How one `GET` ended, reduced to what callers decide on.
    enum Ending: Equatable, CustomStringConvertible {
        case response(status: Int, body: [UInt8])
        case failure(TransportError.Kind, TransportError.Delivery)
        case cancelled

        var description: String {
            switch self {
            case .response(let status, let body): "response \(status), \(body.count) body bytes"
            case .failure(let kind, let delivery): "\(kind) (\(delivery))"
            case .cancelled: "cancelled"
            }
        }
    }

    static func longPoll(_ url: String, headerTimeout: Duration? = .seconds(5)) -> TransportRequest {
        TransportRequest(
            method: .get, endpoint: url, pathAndQuery: "/v2/keys/k?wait=true&waitIndex=7",
            headerTimeout: headerTimeout, isLongPoll: true)
    }

    /// A long poll, or a plain `GET` of the same key.
    static func get(_ url: String, longPoll isLongPoll: Bool, headerTimeout: Duration? = .seconds(5)) -> TransportRequest {
        isLongPoll
            ? longPoll(url, headerTimeout: headerTimeout)
            : TransportTest.request(url, path: "/v2/keys/k", headerTimeout: headerTimeout)
    }

    /// One `GET` to `url` on a transport with or without the direct path.
    static func ending(
        _ url: String, direct: Bool, longPoll isLongPoll: Bool = true, headerTimeout: Duration? = .seconds(5),
        maxBody: Int = 64 << 20, cancelAfter: Duration? = nil
    ) async throws -> Ending {
        let transport = try CurlTransport(
            configuration: .init(maxResponseBodyBytes: maxBody, directPath: direct ? .gets : .off))
        let task = Task { try await transport.execute(get(url, longPoll: isLongPoll, headerTimeout: headerTimeout)) }
        if let cancelAfter {
            try await Task.sleep(for: cancelAfter)
            task.cancel()
        }
        let ending: Ending
        switch await task.result {
        case .success(let response): ending = .response(status: response.status, body: response.body)
        case .failure(let error as TransportError): ending = .failure(error.kind, error.delivery)
        case .failure(is CancellationError): ending = .cancelled
        case .failure(let error): throw error
        }
        let statistics = await transport.statistics()
        #expect(statistics.runningTransfers == 0)
        #expect(statistics.directRequests == (direct ? 1 : 0))
        await transport.shutdown()
        let closed = await transport.statistics()
        // (libcurl closes a socket still in its TCP handshake without telling: only the
        // direct path's count is exact.)
        if direct { #expect(closed.socketsOpened == closed.socketsClosed, "a socket leaked") }
        #expect(closed.trackedSockets == 0)
        return ending
    }

    static let behaviors: [(String, LoopbackServer.Behavior, Ending)] = [
        ("answer", .respond(status: 200, headers: ["Content-Type": "application/json"], body: #"{"action":"set"}"#),
         .response(status: 200, body: Array(#"{"action":"set"}"#.utf8))),
        ("empty answer", .respond(status: 200, headers: [:], body: ""), .response(status: 200, body: [])),
        ("garbage", .garbage, .failure(.malformedResponse, .possiblySent)),
        ("truncated body", .truncatedBody, .failure(.connectionClosed, .possiblySent)),
        ("closed after the request", .closeAfterRequest, .failure(.connectionClosed, .possiblySent)),
        ("huge body", .hugeBody(bytes: 4 << 20), .failure(.responseTooLarge, .possiblySent)),
        ("never answers", .blackHole, .failure(.headerTimeout, .possiblySent)),
    ]

    @Test(arguments: 0..<behaviors.count, [true, false])
    func aMisbehavingServerEndsTheGetAsOnLibcurl(index: Int, longPoll: Bool) async throws {
        let (name, behavior, expected) = Self.behaviors[index]
        let server = try LoopbackServer(behavior)
        defer { server.shutdown() }
        let timeout: Duration = name == "never answers" ? .milliseconds(300) : .seconds(5)
        let onLibcurl = try await Self.ending(
            server.url, direct: false, longPoll: longPoll, headerTimeout: timeout, maxBody: 1 << 20)
        let direct = try await Self.ending(
            server.url, direct: true, longPoll: longPoll, headerTimeout: timeout, maxBody: 1 << 20)
        #expect(onLibcurl == expected, "\(name) on libcurl")
        #expect(direct == expected, "\(name) direct")
    }

    /// What each ``DirectPathScope`` sends without libcurl: nothing, long polls, every `GET`.
    /// Writes always go through libcurl.
    @Test(arguments: [(DirectPathScope.off, 0), (.longPolls, 1), (.gets, 2)])
    func eachScopeSendsItsGetsDirect(scope: DirectPathScope, direct: Int) async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{}"))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        #expect(try await transport.execute(Self.longPoll(server.url)).status == 200)
        #expect(try await transport.execute(TransportTest.request(server.url)).status == 200)
        #expect(try await transport.execute(TransportTest.request(.put, server.url, body: "value=x")).status == 200)
        #expect(await transport.statistics().directRequests == direct)
        #expect(server.requestsReceived == 3)
        await transport.shutdown()
    }

    @Test func aRefusedOrHangingConnectIsNotSent() async throws {
        let port = try FreePort.allocate()  // nothing listens there
        for direct in [false, true] {
            #expect(
                try await Self.ending("http://127.0.0.1:\(port)", direct: direct)
                    == .failure(.couldNotConnect, .notSent), "direct: \(direct)")
        }
        // A connect that hangs (the listener's accept queue is full): the header timeout
        // decides, before anything was sent.
        let hanging = try UnacceptingListener()
        for direct in [false, true] {
            #expect(
                try await Self.ending(hanging.url, direct: direct, headerTimeout: .milliseconds(300))
                    == .failure(.headerTimeout, .notSent), "direct: \(direct)")
        }
    }

    @Test func aConnectTimeoutIsNotSent() async throws {
        let hanging = try UnacceptingListener()
        let transport = try CurlTransport(configuration: .init(connectTimeout: .milliseconds(200)))
        let start = ContinuousClock.now
        let (error, _) = await TransportTest.failure {
            try await transport.execute(Self.longPoll(hanging.url, headerTimeout: nil))
        }
        TransportTest.expect(error, kind: .connectTimeout, delivery: .notSent)
        #expect(ContinuousClock.now - start < .milliseconds(200) + TransportTest.slack)
        await transport.shutdown()
    }

    @Test func cancellingAnIdleLongPollClosesItsConnectionAtOnce() async throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let start = ContinuousClock.now
        #expect(try await Self.ending(server.url, direct: true, headerTimeout: nil, cancelAfter: .milliseconds(100)) == .cancelled)
        #expect(ContinuousClock.now - start < .milliseconds(100) + TransportTest.slack)
    }

    /// A kept connection that the server closes just as the next long poll goes out on it:
    /// the long poll goes once more on a new connection, without an error, as libcurl re-sends
    /// on a dead reused connection.
    @Test(arguments: [false, true])
    func aKeptConnectionThatDiesUnansweredIsReplaced(direct: Bool) async throws {
        let server = try LoopbackServer(
            .respondOncePerConnection(status: 200, headers: ["Content-Type": "application/json"], body: "{}"))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: direct ? .gets : .off))
        let first = try await transport.execute(Self.longPoll(server.url))
        #expect(first.status == 200)
        #expect(!first.reusedConnection)
        let second = try await transport.execute(Self.longPoll(server.url))
        #expect(second.status == 200)
        #expect(second.body == Array("{}".utf8))
        #expect(server.acceptedConnections == 2)
        #expect(server.requestsReceived == 3)
        let statistics = await transport.statistics()
        #expect(statistics.runningTransfers == 0)
        #expect(statistics.connectionsOpened == 2)
        await transport.shutdown()
    }

    /// A connection whose answer said `Connection: close` is not kept.
    @Test func aConnectionTheServerClosesIsNotKept() async throws {
        let server = try LoopbackServer(
            .respond(status: 200, headers: ["Content-Type": "application/json", "Connection": "close"], body: "{}"))
        defer { server.shutdown() }
        let transport = try CurlTransport()
        for _ in 0..<3 {
            let response = try await transport.execute(Self.longPoll(server.url))
            #expect(response.status == 200)
            #expect(!response.reusedConnection)
        }
        #expect(server.acceptedConnections == 3)
        let statistics = await transport.statistics()
        #expect(statistics.socketsOpened == statistics.socketsClosed)
        await transport.shutdown()
    }

    /// To a host name, a `GET` goes direct once libcurl has reached the endpoint (at the
    /// address libcurl connected to), with the name in its `Host` field.
    @Test func aHostNameGoesDirectOnceLibcurlReachedIt() async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: ["Content-Type": "application/json"], body: "{}"))
        defer { server.shutdown() }
        let named = "http://localhost:\(server.port)"
        let transport = try CurlTransport()
        #expect(try await transport.execute(Self.longPoll(named)).status == 200)
        #expect(await transport.statistics().directRequests == 0, "no address known yet: libcurl")
        #expect(try await transport.execute(TransportTest.request(named, headerTimeout: .seconds(5))).status == 200)
        #expect(try await transport.execute(Self.longPoll(named)).status == 200)
        #expect(await transport.statistics().directRequests == 2)
        let hosts = server.receivedRequests.map { $0.headers["host"] }
        #expect(hosts == Array(repeating: String(named.dropFirst(7)), count: 3))
        await transport.shutdown()
    }
}
