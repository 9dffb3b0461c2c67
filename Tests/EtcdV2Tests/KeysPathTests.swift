@testable import EtcdV2
import Testing

struct KeysPathTests {
    @Test(arguments: [
        // Leading slash optional; the root is "" or "/".
        ("foo", "/v2/keys/foo"),
        ("/foo", "/v2/keys/foo"),
        ("", "/v2/keys"),
        ("/", "/v2/keys"),
        ("a/b/c", "/v2/keys/a/b/c"),
        ("/dir/sub/c", "/v2/keys/dir/sub/c"),
        // Unreserved bytes stay as they are.
        ("AZaz09-._~", "/v2/keys/AZaz09-._~"),
        ("_hidden", "/v2/keys/_hidden"),
        (".hidden", "/v2/keys/.hidden"),
        ("...", "/v2/keys/..."),
        ("a..", "/v2/keys/a.."),
        // Every other byte is escaped.
        ("foo bar", "/v2/keys/foo%20bar"),
        ("100%", "/v2/keys/100%25"),
        ("a%2Fb", "/v2/keys/a%252Fb"),
        ("a?b", "/v2/keys/a%3Fb"),
        ("a#b", "/v2/keys/a%23b"),
        ("a+b", "/v2/keys/a%2Bb"),
        ("a&b", "/v2/keys/a%26b"),
        ("a;b", "/v2/keys/a%3Bb"),
        ("a=b", "/v2/keys/a%3Db"),
        ("!*'()", "/v2/keys/%21%2A%27%28%29"),
        (",:@$", "/v2/keys/%2C%3A%40%24"),
        ("\"<>\\^`{|}[]", "/v2/keys/%22%3C%3E%5C%5E%60%7B%7C%7D%5B%5D"),
        ("ü", "/v2/keys/%C3%BC"),
        ("日本/語", "/v2/keys/%E6%97%A5%E6%9C%AC/%E8%AA%9E"),
        ("🙂", "/v2/keys/%F0%9F%99%82"),
        ("e\u{301}", "/v2/keys/e%CC%81"),
        ("\u{85}", "/v2/keys/%C2%85"),
    ])
    func escapesKeys(key: String, path: String) throws {
        #expect(try EtcdKeyPath.escapedPath(prefix: EtcdKeyPath.defaultPrefix, key: key) == path)
    }

    @Test(arguments: [
        ("a//b", EtcdKeyError.Reason.emptySegment),
        ("//", .emptySegment),
        ("//a", .emptySegment),
        ("/a//", .trailingSlash),
        ("a/", .trailingSlash),
        ("/a/b/", .trailingSlash),
        (".", .dotSegment(".")),
        ("..", .dotSegment("..")),
        ("/..", .dotSegment("..")),
        ("a/./b", .dotSegment(".")),
        ("a/../b", .dotSegment("..")),
        ("a/..", .dotSegment("..")),
        ("a\tb", .controlCharacter(0x09)),
        ("line\n", .controlCharacter(0x0A)),
        ("cr\r", .controlCharacter(0x0D)),
        ("\u{0}", .controlCharacter(0x00)),
        ("unit\u{1F}", .controlCharacter(0x1F)),
        ("del\u{7F}", .controlCharacter(0x7F)),
        ("a//\t", .controlCharacter(0x09)),
    ])
    func rejectsKeysEtcdWouldRewrite(key: String, reason: EtcdKeyError.Reason) {
        #expect(throws: EtcdKeyError(key: key, role: .key, reason: reason)) {
            try EtcdKeyPath.escapedPath(prefix: EtcdKeyPath.defaultPrefix, key: key)
        }
    }

    @Test(arguments: [
        ("", "foo", "/foo"),
        ("/", "foo", "/foo"),
        ("", "", "/"),
        ("v2/keys", "foo", "/v2/keys/foo"),
        ("/pfx", "/foo/bar", "/pfx/foo/bar"),
        ("/v2/keys/esc", "a b", "/v2/keys/esc/a%20b"),
        ("/v2/keys/esc", "", "/v2/keys/esc"),
        ("/my prefix", "k", "/my%20prefix/k"),
    ])
    func joinsThePrefix(prefix: String, key: String, path: String) throws {
        #expect(try EtcdKeyPath.escapedPath(prefix: prefix, key: key) == path)
    }

    @Test(arguments: [
        ("/v2/keys/", EtcdKeyError.Reason.trailingSlash),
        ("/v2//keys", .emptySegment),
        ("/v2/../keys", .dotSegment("..")),
        ("/v2/keys\n", .controlCharacter(0x0A)),
    ])
    func validatesThePrefixLikeAKey(prefix: String, reason: EtcdKeyError.Reason) {
        #expect(throws: EtcdKeyError(key: prefix, role: .prefix, reason: reason)) {
            try EtcdKeyPath.escapedPath(prefix: prefix, key: "foo")
        }
    }

    @Test(arguments: [
        (EtcdKeyError(key: "a//b", reason: .emptySegment),
         #"invalid etcd key "a//b": it contains an empty segment ("//"), which etcd would drop"#),
        (EtcdKeyError(key: "a/../b", reason: .dotSegment("..")),
         #"invalid etcd key "a/../b": it contains a ".." segment, which etcd would resolve to another key"#),
        (EtcdKeyError(key: "a/", reason: .trailingSlash),
         #"invalid etcd key "a/": it ends with "/", which etcd would drop"#),
        (EtcdKeyError(key: "a\tb", reason: .controlCharacter(9)),
         #"invalid etcd key "a\tb": it contains the control character U+0009"#),
        (EtcdKeyError(key: "/v2/keys/", role: .prefix, reason: .trailingSlash),
         #"invalid etcd key prefix "/v2/keys/": it ends with "/", which etcd would drop"#),
    ])
    func keyErrorsSayWhatIsWrong(error: EtcdKeyError, description: String) {
        #expect(error.description == description)
    }

    @Test(arguments: [
        ("value", "value"),
        ("a b", "a+b"),
        ("v=1&x y+z", "v%3D1%26x+y%2Bz"),
        ("100%", "100%25"),
        ("a/b;c", "a%2Fb%3Bc"),
        ("ü", "%C3%BC"),
        ("line\nbreak", "line%0Abreak"),
        ("-._~", "-._~"),
        ("", ""),
    ])
    func formEncodesLikeGo(value: String, encoded: String) {
        #expect(PercentEncoding.escapeFormComponent(value) == encoded)
    }

    @Test func formJoinsPairsWithAmpersands() {
        #expect(PercentEncoding.form([("ttl", "5"), ("value", "a b")]) == "ttl=5&value=a+b")
        #expect(PercentEncoding.form([]) == "")
    }

    /// The one-pass check of `escapedPath` agrees with `segments(of:)`, the rules' plain
    /// statement: the same keys pass, and the same error for the others.
    @Test(arguments: [
        "", "/", "//", "///", "a", "/a", "a/", "/a/", "a//b", "a//b/", ".", "..", "...", "/./a", "a/..",
        "a/.../b", ".a", "a.", "/a/.b/c", "a\u{7F}b", "a/\tb//", "\u{1}", "/\u{1}", "a/b/./c\n", "..//",
        "ü/ß", "a b/c%d", "x/.", "x/..", "x/../", "a?b#c", "/anchors/seq/k000123",
    ])
    func onePassCheckMatchesSegments(key: String) {
        let expected: Result<[Substring], EtcdKeyError> = Result { () throws(EtcdKeyError) in
            try EtcdKeyPath.segments(of: key, role: .key)
        }
        let actual: Result<String, EtcdKeyError> = Result { () throws(EtcdKeyError) in
            try EtcdKeyPath.escapedPath(prefix: "", key: key)
        }
        switch (expected, actual) {
        case (.success(let segments), .success(let path)):
            let joined = segments.map { "/" + PercentEncoding.escapePath($0) }.joined()
            #expect(path == (joined.isEmpty ? "/" : joined))
        case (.failure(let expectedError), .failure(let error)):
            #expect(error == expectedError)
        default:
            Issue.record("segments: \(expected), escapedPath: \(actual)")
        }
    }

    @Test func escapingCoversEveryByte() {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(PercentEncoding.isUnreserved(byte) == unreserved.contains(byte), "byte \(byte)")
        }
        #expect(PercentEncoding.escapePath("a/b c") == "a/b%20c")
        #expect(PercentEncoding.escapeFormComponent("a/b c") == "a%2Fb+c")
    }
}
