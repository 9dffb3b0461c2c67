/// Strings and object keys: RFC 8259 escapes, UTF-16 surrogate pairs, UTF-8 validation.
///
/// Invalid input is an error, never repaired: an undefined escape (`\q`), a lone surrogate
/// (`\ud800` without a low half, or `\udc00` alone), an unescaped byte below 0x20, or bytes
/// that are not UTF-8 are all ``EtcdJSONError/malformed(_:offset:)``. `\u0000` is allowed
/// and becomes U+0000.
extension EtcdJSONReader {
    /// Reads a string value.
    ///
    /// A string without escapes becomes a `String` straight from the buffer; one with escapes
    /// is unescaped into a scratch array first.
    ///
    /// - Returns: The string.
    /// - Throws: A mismatch `expected String` for another value; a syntax error for a
    ///   malformed string.
    mutating func readString() throws(EtcdJSONError) -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw .expected("String") }
        let start = offset + 1
        let run = scanPlain(from: start)
        if run.isClosed {
            offset = run.end + 1
            let content = UnsafeBufferPointer(rebasing: bytes[start..<run.end])
            if run.isASCII { return String(decoding: content, as: UTF8.self) }
            guard let string = String(validating: content, as: UTF8.self) else {
                throw .malformed(.invalidUTF8, offset: start)
            }
            return string
        }
        let unescaped = try readEscaped(from: start, plainEnd: run.end)
        guard let string = String(validating: unescaped, as: UTF8.self) else {
            throw .malformed(.invalidUTF8, offset: start)
        }
        return string
    }

    /// Reads a string value and calls `body` with its unescaped, valid UTF-8 content, without
    /// making a `String`: checked and failing exactly as ``readString()`` does.
    ///
    /// - Throws: A mismatch `expected String` for another value; a syntax error for a
    ///   malformed string.
    mutating func readStringContent<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) throws(EtcdJSONError) -> Result {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw .expected("String") }
        return try withStringContent(body)
    }

    /// Reads an object member's key and the `:` after it, and names the field.
    ///
    /// - Parameter field: The fields the caller knows.
    /// - Returns: The field, or `nil` for a key the caller does not know.
    /// - Throws: A syntax error when no string key and `:` come next.
    mutating func readKey<Field: EtcdJSONField>(_ field: Field.Type) throws(EtcdJSONError) -> Field? {
        let named = try withStringContent { Field(jsonName: $0) }
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw unexpected() }
        offset += 1
        return named
    }

    /// Moves past a string, checking it.
    ///
    /// - Throws: A syntax error when no well-formed string comes next.
    mutating func skipString() throws(EtcdJSONError) {
        try withStringContent { _ in }
    }

    /// Moves past a string and calls `body` with its unescaped, valid UTF-8 content.
    private mutating func withStringContent<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) throws(EtcdJSONError) -> Result {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw unexpected() }
        let start = offset + 1
        let run = scanPlain(from: start)
        if run.isClosed {
            let content = UnsafeBufferPointer(rebasing: bytes[start..<run.end])
            guard run.isASCII || Self.isValidUTF8(content) else { throw .malformed(.invalidUTF8, offset: start) }
            offset = run.end + 1
            return body(content)
        }
        let unescaped = try readEscaped(from: start, plainEnd: run.end)
        return try unescaped.withUnsafeBufferPointer { (content) throws(EtcdJSONError) in
            guard Self.isValidUTF8(content) else { throw .malformed(.invalidUTF8, offset: start) }
            return body(content)
        }
    }

    /// Scans string content from `start` to the first `"`, `\`, byte below 0x20, or the end.
    ///
    /// - Returns: Where it stopped, whether at a `"`, and whether every byte was ASCII.
    private func scanPlain(from start: Int) -> (end: Int, isClosed: Bool, isASCII: Bool) {
        var index = start
        var seen: UInt8 = 0
        // Eight bytes at a time while none of them ends the run (values are mostly plain).
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            var seenWords: UInt64 = 0
            while bytes.count - index >= 8 {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if Self.mayEndPlainRun(word) { break }
                seenWords |= word
                index += 8
            }
            if seenWords & 0x8080_8080_8080_8080 != 0 { seen = 0x80 }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return (index, true, seen < 0x80) }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            seen |= byte
            index += 1
        }
        return (index, false, seen < 0x80)
    }

    /// Whether any of the eight bytes of `word` is a `"`, a `\` or below 0x20 (exact: the
    /// classic "has a zero byte" and "has a byte less than n" tests, which never miss one).
    @inline(__always)
    private static func mayEndPlainRun(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes & highs
        let hasBackslash = (backslashes &- ones) & ~backslashes & highs
        let hasControl = (word &- ones &* 0x20) & ~word & highs
        return hasQuote | hasBackslash | hasControl != 0
    }

    /// Unescapes string content from `start`, whose first `plainEnd - start` bytes have no
    /// escapes, and moves past the closing `"`. The result is not yet checked for UTF-8.
    private mutating func readEscaped(from start: Int, plainEnd: Int) throws(EtcdJSONError) -> [UInt8] {
        var content: [UInt8] = []
        content.reserveCapacity(plainEnd - start + 16)
        content.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<plainEnd]))
        var index = plainEnd
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                offset = index + 1
                return content
            case UInt8(ascii: "\\"):
                index = try unescape(at: index, into: &content)
            case 0..<0x20:
                throw .malformed(.controlCharacter, offset: index)
            default:
                content.append(byte)
                index += 1
            }
        }
        throw .malformed(.truncated, offset: bytes.count)
    }

    /// Appends the UTF-8 of the escape at `index` (a `\`) to `content`.
    ///
    /// - Returns: The index after the escape (after both halves of a surrogate pair).
    private func unescape(at index: Int, into content: inout [UInt8]) throws(EtcdJSONError) -> Int {
        guard index + 1 < bytes.count else { throw .malformed(.truncated, offset: bytes.count) }
        let simple: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = bytes[index + 1]
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            let unit = try hex4(at: index + 2)
            switch unit {
            case 0xD800...0xDBFF:
                let low = index + 6
                let isBackslash = low < bytes.count && bytes[low] == UInt8(ascii: "\\")
                guard low + 1 < bytes.count || (low < bytes.count && !isBackslash) else {
                    throw .malformed(.truncated, offset: bytes.count)
                }
                guard isBackslash, bytes[low + 1] == UInt8(ascii: "u") else {
                    throw .malformed(.loneSurrogate, offset: index)
                }
                let lowUnit = try hex4(at: low + 2)
                guard (0xDC00...0xDFFF).contains(lowUnit) else { throw .malformed(.loneSurrogate, offset: index) }
                Self.appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (lowUnit - 0xDC00), to: &content)
                return index + 12
            case 0xDC00...0xDFFF:
                throw .malformed(.loneSurrogate, offset: index)
            default:
                Self.appendUTF8(unit, to: &content)
                return index + 6
            }
        default:
            throw .malformed(.invalidEscape, offset: index)
        }
        content.append(simple)
        return index + 2
    }

    /// The value of the four hex digits at `index`.
    private func hex4(at index: Int) throws(EtcdJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .malformed(.truncated, offset: bytes.count) }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw .malformed(.invalidEscape, offset: index - 2)
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    /// Appends the UTF-8 encoding of `scalar` (not a surrogate, at most U+10FFFF).
    private static func appendUTF8(_ scalar: UInt32, to content: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            content.append(UInt8(scalar))
        case ..<0x800:
            content.append(0xC0 | UInt8(scalar >> 6))
            content.append(0x80 | UInt8(scalar & 0x3F))
        case ..<0x10000:
            content.append(0xE0 | UInt8(scalar >> 12))
            content.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            content.append(0x80 | UInt8(scalar & 0x3F))
        default:
            content.append(0xF0 | UInt8(scalar >> 18))
            content.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            content.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            content.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Whether `content` is well-formed UTF-8 (no overlong forms, surrogates, or scalars
    /// above U+10FFFF), checked without allocating.
    static func isValidUTF8(_ content: UnsafeBufferPointer<UInt8>) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = content.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
