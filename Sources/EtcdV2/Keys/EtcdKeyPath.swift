/// Turns keys into escaped URL paths under the keys API prefix, refusing keys that etcd would
/// silently rewrite.
///
/// Rules, for the key and for the prefix alike:
/// - A leading `/` is optional: `foo` and `/foo` are the same key.
/// - `""` and `"/"` are the root.
/// - Refused (``EtcdKeyError``): empty segments (`a//b`), `.` and `..` segments, a trailing
///   slash (other than the root `/`), C0 control characters and DEL.
/// - Every byte but the unreserved ones (`A–Z a–z 0–9 - . _ ~`) and `/` is percent-encoded,
///   so space, `%`, `?`, `#`, `+`, `&`, `;`, `=` and non-ASCII characters reach etcd intact.
///
/// The path is the prefix's segments followed by the key's: `escapedPath(prefix: "/v2/keys",
/// key: "foo bar")` is `/v2/keys/foo%20bar`, and the root under it is `/v2/keys` (etcd serves
/// `/v2/keys` and `/v2/keys/` alike).
enum EtcdKeyPath {
    /// The prefix of etcd's v2 keys API.
    static let defaultPrefix = "/v2/keys"

    /// The escaped path of `key` under `prefix`, starting with `/`.
    ///
    /// - Parameters:
    ///   - prefix: The keys API prefix, usually ``defaultPrefix``; validated like a key.
    ///   - key: The key; `""` or `"/"` for the root.
    /// - Throws: ``EtcdKeyError`` when the prefix or the key breaks a rule above.
    static func escapedPath(prefix: String, key: String) throws(EtcdKeyError) -> String {
        let path = try Escaped(prefix: prefix, key: key)
        return String(unsafeUninitializedCapacity: path.count) { buffer in
            var writer = KeysByteWriter(buffer)
            path.write(to: &writer)
            return writer.count
        }
    }

    /// A prefix and a key that passed the rules above, with the length of their escaped path,
    /// so that a request can be written in one buffer of the right size.
    struct Escaped {
        let prefix: String
        let key: String
        /// The length of the escaped path, at least 1 (the root is `/`).
        let count: Int

        /// Checks `prefix` and then `key` (one pass over each's UTF-8 bytes).
        ///
        /// - Throws: ``EtcdKeyError`` for the prefix's problem first, then the key's.
        init(prefix: String, key: String) throws(EtcdKeyError) {
            let prefixCount = try EtcdKeyPath.escapedSegmentsCount(of: prefix, role: .prefix)
            let keyCount = try EtcdKeyPath.escapedSegmentsCount(of: key, role: .key)
            self.prefix = prefix
            self.key = key
            self.count = max(prefixCount + keyCount, 1)
        }

        /// Writes the path: `/segment` for each segment of the prefix and of the key,
        /// percent-encoded, or `/` for the root.
        func write(to writer: inout KeysByteWriter) {
            let start = writer.count
            withUTF8Bytes(of: prefix) { EtcdKeyPath.writeEscapedSegments(of: $0, to: &writer) }
            withUTF8Bytes(of: key) { EtcdKeyPath.writeEscapedSegments(of: $0, to: &writer) }
            if writer.count == start { writer.append(UInt8(ascii: "/")) }
        }
    }

    /// What is wrong with a key, found by ``check(_:)``.
    private enum Problem {
        case none
        case reason(EtcdKeyError.Reason)
    }

    /// The length of `/segment` for each segment of `key`, percent-encoded, after checking the
    /// same rules as ``segments(of:role:)``, reported in the same order.
    private static func escapedSegmentsCount(of key: String, role: EtcdKeyError.Role) throws(EtcdKeyError) -> Int {
        var count = 0
        let problem = withUTF8Bytes(of: key) { check($0, count: &count) }
        if case .reason(let reason) = problem { throw EtcdKeyError(key: key, role: role, reason: reason) }
        return count
    }

    /// One pass over `bytes`: the first control character wins over everything, then a
    /// trailing slash, then the first empty or dot segment. Sets `count` to the escaped length.
    private static func check(_ bytes: UnsafeBufferPointer<UInt8>, count: inout Int) -> Problem {
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        var start = 0
        if start < bytes.count, bytes[start] == slash { start = 1 }
        if bytes.count > 0, bytes[0] < 0x20 || bytes[0] == 0x7F { return .reason(.controlCharacter(bytes[0])) }
        if start == bytes.count {
            count = 0
            return .none
        }
        var escapes = 0
        var length = 0
        var dots = 0
        var segmentProblem: EtcdKeyError.Reason?
        for byte in UnsafeBufferPointer(rebasing: bytes[start...]) {
            // Most bytes of most keys: unreserved and not a dot.
            if PercentEncoding.isUnreserved(byte) && byte != dot {
                length &+= 1
                continue
            }
            if byte < 0x20 || byte == 0x7F { return .reason(.controlCharacter(byte)) }
            if byte == slash {
                if segmentProblem == nil { segmentProblem = segmentReason(length: length, dots: dots) }
                length = 0
                dots = 0
                continue
            }
            length &+= 1
            if byte == dot { dots &+= 1 } else { escapes &+= 1 }
        }
        if bytes[bytes.count - 1] == slash {
            // `//` is the root followed by an empty segment, not a trailing slash.
            return .reason(bytes.count - start == 1 ? .emptySegment : .trailingSlash)
        }
        if segmentProblem == nil { segmentProblem = segmentReason(length: length, dots: dots) }
        if let segmentProblem { return .reason(segmentProblem) }
        // The leading `/`, every byte after it, and two more for each `%XX`.
        count = 1 + (bytes.count - start) + 2 * escapes
        return .none
    }

    @inline(__always)
    private static func segmentReason(length: Int, dots: Int) -> EtcdKeyError.Reason? {
        if length == 0 { return .emptySegment }
        if length <= 2, dots == length { return .dotSegment(length == 1 ? "." : "..") }
        return nil
    }

    /// Writes `/segment` for each segment of `bytes`, a key that passed ``check(_:count:)``.
    private static func writeEscapedSegments(of bytes: UnsafeBufferPointer<UInt8>, to writer: inout KeysByteWriter) {
        var start = 0
        if start < bytes.count, bytes[start] == UInt8(ascii: "/") { start = 1 }
        guard start < bytes.count else { return }
        writer.append(UInt8(ascii: "/"))
        writer.appendEscaped(UnsafeBufferPointer(rebasing: bytes[start...]), keepSlash: true, spaceAsPlus: false)
    }

    /// The segments of `key`, validated; empty for the root.
    ///
    /// - Throws: ``EtcdKeyError`` for an empty, `.` or `..` segment, a trailing slash, or a
    ///   control character.
    static func segments(of key: String, role: EtcdKeyError.Role) throws(EtcdKeyError) -> [Substring] {
        if let byte = key.utf8.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw EtcdKeyError(key: key, role: role, reason: .controlCharacter(byte))
        }
        let relative = key.hasPrefix("/") ? key.dropFirst() : Substring(key)
        if relative.isEmpty { return [] }
        if relative.hasSuffix("/") {
            // `//` is the root followed by an empty segment, not a trailing slash.
            let reason: EtcdKeyError.Reason = relative == "/" ? .emptySegment : .trailingSlash
            throw EtcdKeyError(key: key, role: role, reason: reason)
        }
        let segments = relative.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            if segment.isEmpty {
                throw EtcdKeyError(key: key, role: role, reason: .emptySegment)
            }
            if segment == "." || segment == ".." {
                throw EtcdKeyError(key: key, role: role, reason: .dotSegment(String(segment)))
            }
        }
        return segments
    }
}

/// Percent-encoding for key paths and for `application/x-www-form-urlencoded` query strings
/// and bodies.
///
/// Both keep only RFC 3986's unreserved bytes (`A–Z a–z 0–9 - . _ ~`) as they are and write
/// every other UTF-8 byte as `%XX` (upper-case hex). Paths also keep `/`; forms write a space
/// as `+`, exactly like Go's `url.QueryEscape`, so form values match the Go client byte for
/// byte. Because `%` itself is always escaped, a key such as `a%2Fb` stays that key.
enum PercentEncoding {
    /// Whether `byte` is an RFC 3986 unreserved character.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        isKept(byte, keepSlash: false)
    }

    /// Bytes 0–63 kept as they are: `-`, `.`, `0`–`9`.
    private static var unreservedBelow64: UInt64 { 1 << 45 | 1 << 46 | 0x3FF << 48 }
    /// Bytes 64–127 kept as they are: `A`–`Z`, `_`, `a`–`z`, `~`.
    private static var unreservedFrom64: UInt64 { 0x3FF_FFFF << 1 | 1 << 31 | 0x3FF_FFFF << 33 | 1 << 62 }

    /// Whether `byte` is written as it is: unreserved, or `/` in a path. One bit test, as
    /// this runs for every byte of every key and value sent.
    @inline(__always)
    static func isKept(_ byte: UInt8, keepSlash: Bool) -> Bool {
        let below64 = unreservedBelow64 | (keepSlash ? 1 << 47 : 0)
        let mask = byte < 64 ? below64 : (byte < 128 ? unreservedFrom64 : 0)
        return (mask >> UInt64(byte & 63)) & 1 != 0
    }

    /// `text` for a URL path: unreserved bytes and `/` as they are, everything else `%XX`.
    static func escapePath(_ text: some StringProtocol) -> String {
        escape(String(text), keepSlash: true, spaceAsPlus: false)
    }

    /// `text` as a form component: unreserved bytes as they are, space as `+`, everything
    /// else `%XX`.
    static func escapeFormComponent(_ text: some StringProtocol) -> String {
        escape(String(text), keepSlash: false, spaceAsPlus: true)
    }

    /// `name=value` pairs in the given order, form-encoded and joined with `&` (etcd 3.4
    /// rejects `;` as a separator).
    static func form(_ pairs: [(name: String, value: String)]) -> String {
        let encode = { (writer: inout KeysByteWriter) in
            for pair in pairs {
                withUTF8Bytes(of: pair.name) { name in
                    withUTF8Bytes(of: pair.value) { writer.appendFormField(name: name, value: $0) }
                }
            }
        }
        var bound = KeysByteWriter.measuring()
        encode(&bound)
        return String(unsafeUninitializedCapacity: bound.count) { buffer in
            var writer = KeysByteWriter(buffer)
            encode(&writer)
            return writer.count
        }
    }

    private static func escape(_ text: String, keepSlash: Bool, spaceAsPlus: Bool) -> String {
        withUTF8Bytes(of: text) { bytes in
            let count = escapedCount(bytes, keepSlash: keepSlash, spaceAsPlus: spaceAsPlus)
            return String(unsafeUninitializedCapacity: count) { buffer in
                var writer = KeysByteWriter(buffer)
                writer.appendEscaped(bytes, keepSlash: keepSlash, spaceAsPlus: spaceAsPlus)
                return writer.count
            }
        }
    }

    /// The length of `bytes` escaped.
    @inline(__always)
    static func escapedCount(_ bytes: UnsafeBufferPointer<UInt8>, keepSlash: Bool, spaceAsPlus: Bool) -> Int {
        var count = bytes.count
        for byte in bytes where !isKept(byte, keepSlash: keepSlash) && !(spaceAsPlus && byte == UInt8(ascii: " ")) {
            count += 2
        }
        return count
    }
}
