@testable import CurlTransport
import Testing

/// Which long polls go direct, where, and the bytes they send.
struct DirectLongPollRouteTests {
    @Test(arguments: [
        ("http://127.0.0.1:2379", DirectLongPollRoute(host: "127.0.0.1", port: 2379, authority: "127.0.0.1:2379")),
        ("HTTP://10.0.0.1", DirectLongPollRoute(host: "10.0.0.1", port: 80, authority: "10.0.0.1")),
        ("http://[::1]:22379", DirectLongPollRoute(host: "::1", port: 22379, authority: "[::1]:22379")),
        ("http://[fe80::1:2]", DirectLongPollRoute(host: "fe80::1:2", port: 80, authority: "[fe80::1:2]")),
    ])
    func addressLiteralsGoDirect(endpoint: String, route: DirectLongPollRoute) {
        #expect(DirectLongPollRoute.parse(endpoint: endpoint) == route)
    }

    @Test(arguments: [
        ("http://localhost:2379", "localhost", 2379),
        ("http://etcd-1.example.com", "etcd-1.example.com", 80),
        ("http://A1:1", "A1", 1),
    ])
    func hostNamesNeedAnAddress(endpoint: String, name: String, port: Int) throws {
        let route = try #require(DirectLongPollRoute.parse(endpoint: endpoint))
        #expect(route == DirectLongPollRoute(host: name, port: port, authority: String(endpoint.dropFirst(7)), isAddress: false))
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
        #expect(DirectLongPollRoute.parse(endpoint: endpoint) == nil)
    }

    @Test func onlyPlainLongPollGetsGoDirect() {
        let watch = TransportRequest(
            method: .get, endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/a?wait=true", isLongPoll: true)
        #expect(DirectLongPollRoute.of(watch, proxyInEnvironment: false) != nil)
        #expect(DirectLongPollRoute.of(watch, proxyInEnvironment: true) == nil)
        var get = watch
        get.isLongPoll = false
        #expect(DirectLongPollRoute.of(get, proxyInEnvironment: false) == nil)
        var authenticated = watch
        authenticated.credentials = BasicCredentials(username: "u", password: "p")
        #expect(DirectLongPollRoute.of(authenticated, proxyInEnvironment: false) == nil)
        var put = watch
        put.method = .put
        #expect(DirectLongPollRoute.of(put, proxyInEnvironment: false) == nil)
    }

    @Test func theRequestOnTheWire() throws {
        let route = try #require(DirectLongPollRoute.parse(endpoint: "http://[::1]:2379"))
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
        #expect(!DirectLongPollRoute.proxyInEnvironment { _ in nil })
        #expect(!DirectLongPollRoute.proxyInEnvironment { $0 == "http_proxy" ? "" : nil })
        #expect(!DirectLongPollRoute.proxyInEnvironment { $0 == "HTTP_PROXY" ? "http://p:1" : nil })
        for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            #expect(DirectLongPollRoute.proxyInEnvironment { $0 == name ? "http://p:1" : nil })
        }
    }
}
