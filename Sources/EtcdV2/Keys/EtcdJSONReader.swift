/// A forward-only cursor over one JSON document (RFC 8259) in a byte buffer, with just what
/// the keys response parser needs: objects, arrays, strings, exact integers, booleans, `null`,
/// and skipping any value it does not want.
///
/// The reader never allocates for structure, numbers, object keys, or strings without escapes
/// apart from the `String`s it returns. It checks the full grammar of everything it reads
/// or skips: numbers with fractions and exponents, every string escape, UTF-8, and nesting up
/// to ``maxDepth`` arrays and objects.
///
/// Two kinds of error (see ``EtcdJSONError``): a ``EtcdJSONError/mismatch(path:problem:)``
/// when the next value is of another type than asked for, and a
/// ``EtcdJSONError/malformed(_:offset:)`` when the bytes are not JSON. After a mismatch the
/// reader's position is undefined; ``skipMismatched(_:from:)`` rewinds to a ``Mark`` and
/// skips the value, so that a syntax error later in the document still wins.
///
/// Whitespace is allowed wherever RFC 8259 allows it (space, tab, CR, LF); every method skips
/// it before it reads. A UTF-8 byte order mark at the very start is skipped, as
/// `JSONDecoder` does.
struct EtcdJSONReader: ~Copyable {
    /// The deepest nesting of arrays and objects accepted, the top level included (the limit
    /// Foundation's `JSONDecoder` has); one more is ``EtcdJSONError/Syntax/tooDeep``.
    static let maxDepth = 512

    /// A position to come back to after a mismatch: offset and nesting depth.
    struct Mark {
        fileprivate let offset: Int
        fileprivate let depth: Int
    }

    /// The whole document.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The index of the next byte to read.
    var offset: Int
    /// How many arrays and objects enclose the position.
    private var depth = 0

    /// A reader at the start of `bytes`, past a UTF-8 byte order mark if there is one.
    ///
    /// - Parameter bytes: The document; it must outlive the reader.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        offset = hasBOM ? 3 : 0
    }

    /// The current position, for ``skipMismatched(_:from:)``.
    var mark: Mark { Mark(offset: offset, depth: depth) }

    // MARK: Bytes

    /// The next byte, or 0 at the end (0 is never valid where the reader looks).
    @inline(__always)
    func peek() -> UInt8 {
        offset < bytes.count ? bytes[offset] : 0
    }

    /// Moves past spaces, tabs, CRs and LFs.
    @inline(__always)
    mutating func skipWhitespace() {
        while true {
            let byte = peek()
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            offset += 1
        }
    }

    /// The syntax error at the position: ``EtcdJSONError/Syntax/truncated`` at the end,
    /// ``EtcdJSONError/Syntax/unexpectedByte`` elsewhere.
    func unexpected() -> EtcdJSONError {
        .malformed(offset >= bytes.count ? .truncated : .unexpectedByte, offset: offset)
    }

    /// Moves past `literal` if the bytes at the position are exactly it.
    ///
    /// - Parameter literal: ASCII text, e.g. `null`.
    /// - Returns: Whether it was there.
    @inline(__always)
    mutating func consume(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard bytes.count - offset >= length else { return false }
        let expected = literal.utf8Start
        for index in 0..<length where bytes[offset + index] != expected[index] {
            return false
        }
        offset += length
        return true
    }

    // MARK: Containers

    /// Moves into an object.
    ///
    /// - Parameter type: The type name for the mismatch when the value is not an object.
    /// - Returns: `false` for an empty object (already left), `true` when a member follows.
    /// - Throws: A mismatch for another value; ``EtcdJSONError/Syntax/tooDeep``.
    mutating func enterObject(expecting type: String) throws(EtcdJSONError) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw .expected(type) }
        return try enter(closer: UInt8(ascii: "}"))
    }

    /// Moves past the `,` before the next member, or out of the object at its `}`.
    ///
    /// - Returns: Whether another member follows.
    /// - Throws: A syntax error for anything else.
    mutating func nextMember() throws(EtcdJSONError) -> Bool {
        try next(closer: UInt8(ascii: "}"))
    }

    /// Moves into an array.
    ///
    /// - Parameter type: The type name for the mismatch when the value is not an array.
    /// - Returns: `false` for an empty array (already left), `true` when an element follows.
    /// - Throws: A mismatch for another value; ``EtcdJSONError/Syntax/tooDeep``.
    mutating func enterArray(expecting type: String) throws(EtcdJSONError) -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { throw .expected(type) }
        return try enter(closer: UInt8(ascii: "]"))
    }

    /// Moves past the `,` before the next element, or out of the array at its `]`.
    ///
    /// - Returns: Whether another element follows.
    /// - Throws: A syntax error for anything else.
    mutating func nextElement() throws(EtcdJSONError) -> Bool {
        try next(closer: UInt8(ascii: "]"))
    }

    private mutating func enter(closer: UInt8) throws(EtcdJSONError) -> Bool {
        guard depth < Self.maxDepth else { throw .malformed(.tooDeep, offset: offset) }
        depth += 1
        offset += 1
        skipWhitespace()
        guard peek() == closer else { return true }
        offset += 1
        depth -= 1
        return false
    }

    private mutating func next(closer: UInt8) throws(EtcdJSONError) -> Bool {
        skipWhitespace()
        let byte = peek()
        if byte == UInt8(ascii: ",") {
            offset += 1
            return true
        }
        guard byte == closer else { throw unexpected() }
        offset += 1
        depth -= 1
        return false
    }

    // MARK: Documents and recovery

    /// Reads the whole document with `read`: checks that only whitespace follows the value,
    /// and that a mismatch reported by `read` is about well-formed JSON.
    ///
    /// - Parameter read: Reads the top-level value (and keeps what it read).
    /// - Throws: A syntax error anywhere in the document first; else `read`'s mismatch.
    mutating func readDocument(_ read: (inout EtcdJSONReader) throws(EtcdJSONError) -> Void) throws(EtcdJSONError) {
        let start = mark
        var mismatch: EtcdJSONError?
        do throws(EtcdJSONError) {
            try read(&self)
        } catch {
            mismatch = try skipMismatched(error, from: start)
        }
        skipWhitespace()
        guard offset == bytes.count else { throw .malformed(.trailingData, offset: offset) }
        if let mismatch { throw mismatch }
    }

    /// After a failed read from `mark`: rethrows a syntax error; for a mismatch, rewinds to
    /// `mark` and skips the value, so that its syntax is still checked.
    ///
    /// - Parameters:
    ///   - error: What the read threw.
    ///   - mark: Where the value starts.
    /// - Returns: `error`, a mismatch, once the value is skipped.
    /// - Throws: `error` when it is a syntax error, or a syntax error inside the value.
    mutating func skipMismatched(_ error: EtcdJSONError, from mark: Mark) throws(EtcdJSONError) -> EtcdJSONError {
        guard !error.isMalformed else { throw error }
        offset = mark.offset
        depth = mark.depth
        try skipValue()
        return error
    }

    /// Moves past the next value, whatever it is, checking its syntax.
    ///
    /// - Throws: A syntax error; never a mismatch.
    mutating func skipValue() throws(EtcdJSONError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"):
            guard try enter(closer: UInt8(ascii: "}")) else { return }
            repeat {
                try skipString()
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw unexpected() }
                offset += 1
                try skipValue()
            } while try nextMember()
        case UInt8(ascii: "["):
            guard try enter(closer: UInt8(ascii: "]")) else { return }
            repeat {
                try skipValue()
            } while try nextElement()
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            guard consume("true") || consume("false") || consume("null") else { throw unexpected() }
        }
    }

    // MARK: Scalars

    /// Moves past `null` if it is the next value (an absent optional field).
    ///
    /// - Returns: Whether it was `null`.
    @inline(__always)
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        return consume("null")
    }

    /// Reads `true` or `false`.
    ///
    /// - Throws: A mismatch `expected Bool` for another value.
    mutating func readBool() throws(EtcdJSONError) -> Bool {
        skipWhitespace()
        if consume("true") { return true }
        if consume("false") { return false }
        throw .expected("Bool")
    }
}
