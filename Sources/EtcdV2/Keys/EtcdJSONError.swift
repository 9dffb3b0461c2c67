/// Why ``EtcdJSONReader`` could not read a keys API body.
///
/// Two kinds of failure, which ``KeysResponseDecoder`` reports differently:
/// - ``malformed(_:offset:)``: the bytes are not JSON (RFC 8259): empty, truncated, a stray
///   byte, a bad escape, invalid UTF-8, trailing data, or nesting deeper than
///   ``EtcdJSONReader/maxDepth``.
/// - ``mismatch(path:problem:)``: the bytes are JSON, but a value does not fit etcd's shape:
///   a field of the wrong type, a negative or fractional index, an index above `UInt64.max`,
///   an `expiration` that is not RFC 3339, or a top level that is not an object.
///
/// The reader checks the syntax of the whole document before it reports a mismatch, so a
/// mismatch always means the body is well-formed JSON.
enum EtcdJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with bytes that are not JSON.
    enum Syntax: Sendable, Hashable {
        /// The input ends inside a value (or is empty).
        case truncated
        /// A byte that cannot start or continue a value here (`{"a":}`, `[1,]`, `01`, `tru`).
        case unexpectedByte
        /// A backslash escape that RFC 8259 does not define (`\q`, `\x41`, `\u12G4`).
        case invalidEscape
        /// A `\uXXXX` UTF-16 surrogate without its other half (`\ud800`, `\udc00`).
        case loneSurrogate
        /// A byte below 0x20 inside a string, which JSON requires to be escaped.
        case controlCharacter
        /// A string whose bytes are not valid UTF-8.
        case invalidUTF8
        /// Arrays and objects nested deeper than ``EtcdJSONReader/maxDepth``.
        case tooDeep
        /// Something other than whitespace after the top-level value.
        case trailingData
    }

    /// The bytes are not JSON; `offset` is where the reader gave up.
    case malformed(Syntax, offset: Int)
    /// The bytes are JSON, but the value at `path` (e.g. `["node", "nodes", "[0]", "key"]`;
    /// empty for the top level) is not what etcd sends; `problem` says what was expected.
    case mismatch(path: [String], problem: String)

    /// Whether the bytes are not JSON at all (rather than JSON of the wrong shape).
    var isMalformed: Bool {
        if case .malformed = self { return true }
        return false
    }

    /// The mismatch one level up: `problem` unchanged, `component` in front of the path.
    /// A ``malformed(_:offset:)`` error comes back unchanged.
    ///
    /// - Parameter component: A field name, or `[i]` for an array element.
    func inside(_ component: String) -> EtcdJSONError {
        guard case .mismatch(let path, let problem) = self else { return self }
        return .mismatch(path: [component] + path, problem: problem)
    }

    /// A one-line account in the shape `JSONDecoder`'s errors used to have here:
    /// `node.nodes.[0].key: expected String`, `top level: expected Dictionary<String, Any>`.
    var description: String {
        switch self {
        case .malformed(let syntax, let offset):
            return "not JSON: \(syntax) at byte \(offset)"
        case .mismatch(let path, let problem):
            return "\(path.isEmpty ? "top level" : path.joined(separator: ".")): \(problem)"
        }
    }

    /// The mismatch for a value of another JSON type than `type`.
    ///
    /// - Parameter type: The Swift type name `JSONDecoder` would name, e.g. `String`.
    static func expected(_ type: String) -> EtcdJSONError {
        .mismatch(path: [], problem: "expected \(type)")
    }

    /// The mismatch for a `null` where a value of `type` is required (an element of `nodes`,
    /// the top level).
    ///
    /// - Parameter type: The Swift type name, e.g. `Dictionary<String, Any>`.
    static func expectedFoundNull(_ type: String) -> EtcdJSONError {
        .mismatch(path: [], problem: "expected \(type), found null")
    }
}
