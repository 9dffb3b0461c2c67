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
        var path: [UInt8] = []
        path.reserveCapacity(prefix.utf8.count + key.utf8.count + 8)
        if prefix == defaultPrefix {
            path.append(contentsOf: defaultPrefix.utf8)  // valid, and needs no escaping
        } else {
            try appendEscapedSegments(of: prefix, role: .prefix, to: &path)
        }
        try appendEscapedSegments(of: key, role: .key, to: &path)
        if path.isEmpty { path.append(UInt8(ascii: "/")) }
        return String(decoding: path, as: UTF8.self)
    }

    /// Appends `/segment` for each segment of `key`, percent-encoded, after checking the same
    /// rules as ``segments(of:role:)`` in the same order: one pass over the UTF-8 bytes, as this
    /// runs for every request.
    private static func appendEscapedSegments(
        of key: String, role: EtcdKeyError.Role, to path: inout [UInt8]
    ) throws(EtcdKeyError) {
        let bytes = key.utf8
        if let byte = bytes.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw EtcdKeyError(key: key, role: role, reason: .controlCharacter(byte))
        }
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        var start = bytes.startIndex
        if start != bytes.endIndex, bytes[start] == slash { start = bytes.index(after: start) }
        if start == bytes.endIndex { return }
        if bytes.last == slash {
            // `//` is the root followed by an empty segment, not a trailing slash.
            let onlySlash = bytes.index(after: start) == bytes.endIndex
            throw EtcdKeyError(key: key, role: role, reason: onlySlash ? .emptySegment : .trailingSlash)
        }
        var length = 0
        var dots = 0
        path.append(slash)
        for byte in bytes[start...] {
            if byte == slash {
                try checkSegment(length: length, dots: dots, key: key, role: role)
                length = 0
                dots = 0
                path.append(slash)
                continue
            }
            length += 1
            if byte == dot { dots += 1 }
            PercentEncoding.appendEscaped(byte, keepSlash: true, spaceAsPlus: false, to: &path)
        }
        try checkSegment(length: length, dots: dots, key: key, role: role)
    }

    private static func checkSegment(length: Int, dots: Int, key: String, role: EtcdKeyError.Role) throws(EtcdKeyError) {
        if length == 0 { throw EtcdKeyError(key: key, role: role, reason: .emptySegment) }
        if length <= 2, dots == length {
            throw EtcdKeyError(key: key, role: role, reason: .dotSegment(length == 1 ? "." : ".."))
        }
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
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Whether `byte` is an RFC 3986 unreserved character.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// `text` for a URL path: unreserved bytes and `/` as they are, everything else `%XX`.
    static func escapePath(_ text: some StringProtocol) -> String {
        escape(text.utf8, keepSlash: true, spaceAsPlus: false)
    }

    /// `text` as a form component: unreserved bytes as they are, space as `+`, everything
    /// else `%XX`.
    static func escapeFormComponent(_ text: some StringProtocol) -> String {
        escape(text.utf8, keepSlash: false, spaceAsPlus: true)
    }

    /// `name=value` pairs in the given order, form-encoded and joined with `&` (etcd 3.4
    /// rejects `;` as a separator).
    static func form(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { escapeFormComponent($0.name) + "=" + escapeFormComponent($0.value) }
            .joined(separator: "&")
    }

    private static func escape(_ bytes: some Sequence<UInt8>, keepSlash: Bool, spaceAsPlus: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount)
        for byte in bytes {
            appendEscaped(byte, keepSlash: keepSlash, spaceAsPlus: spaceAsPlus, to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `byte`, or its escape, to `output`.
    @inline(__always)
    static func appendEscaped(_ byte: UInt8, keepSlash: Bool, spaceAsPlus: Bool, to output: inout [UInt8]) {
        if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
            output.append(byte)
        } else if spaceAsPlus && byte == UInt8(ascii: " ") {
            output.append(UInt8(ascii: "+"))
        } else {
            output.append(UInt8(ascii: "%"))
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
