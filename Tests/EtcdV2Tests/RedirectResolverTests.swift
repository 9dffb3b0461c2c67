import CurlTransport
@testable import EtcdV2
import Testing

struct RedirectResolverTests {
    typealias Target = RedirectResolver.Target
    static let base = (endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/a/b?recursive=true")

    @Test(arguments: [
        // absolute
        ("http://10.0.0.2:2379/v2/keys/x", Target(endpoint: "http://10.0.0.2:2379", pathAndQuery: "/v2/keys/x")),
        ("HTTPS://Host:4001/v2/keys/x?wait=true", Target(endpoint: "https://Host:4001", pathAndQuery: "/v2/keys/x?wait=true")),
        ("http://h:1", Target(endpoint: "http://h:1", pathAndQuery: "/")),
        ("http://h:1?q=1", Target(endpoint: "http://h:1", pathAndQuery: "/?q=1")),
        ("http://[::1]:2379/v2/keys/x#frag", Target(endpoint: "http://[::1]:2379", pathAndQuery: "/v2/keys/x")),
        // scheme-relative
        ("//other:2379/v2/keys/x", Target(endpoint: "http://other:2379", pathAndQuery: "/v2/keys/x")),
        // absolute path (what etcd sends for unclean paths)
        ("/v2/keys/a/b", Target(endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/a/b")),
        ("/v2/keys/./a/../c", Target(endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/c")),
        // relative path: against the request's directory
        ("c?x=1", Target(endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/a/c?x=1")),
        ("../z", Target(endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/z")),
        ("  /v2/keys/t  ", Target(endpoint: "http://127.0.0.1:2379", pathAndQuery: "/v2/keys/t")),
    ])
    func resolves(location: String, expected: Target) {
        #expect(RedirectResolver.resolve(location: location, endpoint: Self.base.endpoint, pathAndQuery: Self.base.pathAndQuery) == expected)
    }

    @Test(arguments: ["", "   ", "ftp://h/x", "mailto:a@b", "http://", "http://user:pw@h:1/x", "/a b", "/a\u{7}"])
    func refuses(location: String) {
        #expect(RedirectResolver.resolve(location: location, endpoint: Self.base.endpoint, pathAndQuery: Self.base.pathAndQuery) == nil)
    }

    @Test(arguments: [
        ("http://h:80", "http://H", true),
        ("https://h", "https://h:443", true),
        ("http://h:2379", "http://h:2380", false),
        ("http://h:443", "https://h:443", false),
        ("http://[::1]:1", "http://[::1]:1", true),
        ("http://[::1]", "http://[::1]:80", true),
        ("http://a:1", "http://b:1", false),
    ])
    func origins(first: String, second: String, same: Bool) {
        #expect(RedirectResolver.isSameOrigin(first, second) == same)
    }

    @Test func methodsAfterRedirects() {
        #expect(RedirectResolver.method(after: 303, original: .put) == .get)
        #expect(RedirectResolver.method(after: 307, original: .put) == .put)
        #expect(RedirectResolver.method(after: 301, original: .post) == .post)
        #expect([301, 302, 303, 307, 308].allSatisfy(RedirectResolver.isRedirect))
        #expect(![300, 304, 200, 404].contains(where: RedirectResolver.isRedirect))
    }
}
