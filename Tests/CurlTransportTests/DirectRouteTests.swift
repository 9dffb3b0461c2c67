@testable import CurlTransport
import Testing

/// Which long polls go direct, where, and the bytes they send.
struct DirectRouteTests {
    @Test(arguments: [
        ("http://127.0.0.1:2379", DirectRoute(host: "127.0.0.1", port: 2379, authority: "127.0.0.1:2379")),
        ("HTTP://10.0.0.1", DirectRoute(host: "10.0.0.1", port: 80, authority: "10.0.0.1")),
        ("http://[::1]:22379", DirectRoute(host: "::1", port: 22379, authority: "[::1]:22379")),
        ("http://[fe80::1:2]", DirectRoute(host: "fe80::1:2", port: 80, authority: "[fe80::1:2]")),
    ])
    func addressLiteralsGoDirect(endpoint: String, route: DirectRoute) {
        #expect(DirectRoute.parse(endpoint: endpoint) == route)
    }

    @Test(arguments: [
        ("http://localhost:2379", "localhost", 2379),
        ("http://etcd-1.example.com", "etcd-1.example.com", 80),
        ("http://A1:1", "A1", 1),
    ])
    func hostNamesNeedAnAddress(endpoint: String, name: String, port: Int) throws {
        let route = try #require(DirectRoute.parse(endpoint: endpoint))
        #expect(route == DirectRoute(host: name, port: port, authority: String(endpoint.dropFirst(7)), isAddress: false))
        let resolved = route.resolved(to: "10.0.0.7")
        #expect(resolved.isAddress)
        #expect(resolved.host == "10.0.0.7")
        #expect(resolved.authority == route.authority)
    }

    @Test(arguments: [
        "https://127.0.0.1:2379", "https://localhost:2379", "http://-etcd:2379", "http://etcd-:2379", "http://a..b:1",
        "http://a_b:1", "http://127.0.0.1:2379/",
        "http://user:pw@127.0.0.1:2379", "http://127.0.0.1:", "http://127.0.0.1:0", "http://127.0.0.1:65536",
        "http://256.0.0.1:2379", "http://1.2.3:2379", "http://[::1", "http://[]:1", "http://[::1]x", "unix:///tmp/s",
        "http://", "",
    ])
    func everythingElseStaysOnLibcurl(endpoint: String) {
        #expect(DirectRoute.parse(endpoint: endpoint) == nil)
    }

    /// Which requests each scope sends direct (the endpoint allowing): `GET`s without body or
    /// credentials, with no proxy in the environment; long polls only, or none.
    @Test func onlyPlainGetsGoDirect() {
        let watch = TransportRequest(
            method: .get, endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/a?wait=true", isLongPoll: true)
        var get = watch
        get.isLongPoll = false
        var authenticated = watch
        authenticated.credentials = BasicCredentials(username: "u", password: "p")
        var put = watch
        put.method = .put
        var withBody = get
        withBody.body = Array("x".utf8)
        let table: [(String, TransportRequest, proxy: Bool, off: Bool, longPolls: Bool, gets: Bool)] = [
            ("long poll", watch, false, false, true, true),
            ("long poll, proxy", watch, true, false, false, false),
            ("get", get, false, false, false, true),
            ("get, proxy", get, true, false, false, false),
            ("get with a body", withBody, false, false, false, false),
            ("credentials", authenticated, false, false, false, false),
            ("put", put, false, false, false, false),
        ]
        for (name, request, proxy, off, longPolls, gets) in table {
            for (scope, expected) in [(DirectPathScope.off, off), (.longPolls, longPolls), (.gets, gets)] {
                let route = DirectRoute.of(request, scope: scope, proxyInEnvironment: proxy)
                #expect((route != nil) == expected, "\(name), \(scope)")
            }
        }
    }

    @Test func theRequestOnTheWire() throws {
        let route = try #require(DirectRoute.parse(endpoint: "http://[::1]:2379"))
        let request = TransportRequest(
            method: .get, endpoint: "http://[::1]:2379", pathAndQuery: "/v2/keys/a%20b?wait=true&waitIndex=7",
            headers: [HTTPHeader("X-Test", "a b")], isLongPoll: true)
        let bytes = try #require(route.requestBytes(for: request))
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "GET /v2/keys/a%20b?wait=true&waitIndex=7 HTTP/1.1\r\nHost: [::1]:2379\r\nAccept: */*\r\nX-Test: a b\r\n\r\n")
        for header in [HTTPHeader("X-Bad", "a\r\nInjected: 1"), HTTPHeader("Bad:Name", "x"), HTTPHeader("", "x")] {
            var bad = request
            bad.headers = [header]
            #expect(route.requestBytes(for: bad) == nil)
        }
        var badPath = request
        badPath.pathAndQuery = "/v2/keys/a b"
        #expect(route.requestBytes(for: badPath) == nil)
    }

    @Test func proxiesInTheEnvironment() {
        #expect(!DirectRoute.proxyInEnvironment { _ in nil })
        #expect(!DirectRoute.proxyInEnvironment { $0 == "http_proxy" ? "" : nil })
        #expect(!DirectRoute.proxyInEnvironment { $0 == "HTTP_PROXY" ? "http://p:1" : nil })
        for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            #expect(DirectRoute.proxyInEnvironment { $0 == name ? "http://p:1" : nil })
        }
    }
}
