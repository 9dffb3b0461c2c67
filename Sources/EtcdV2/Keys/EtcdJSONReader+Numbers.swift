/// Numbers: the RFC 8259 grammar, and exact integers without a detour through `Double`.
extension EtcdJSONReader {
    /// A number the reader has moved past.
    struct ScannedNumber {
        /// Where the number starts (its `-`, if any).
        var start: Int
        /// Whether it starts with `-`.
        var isNegative = false
        /// The integer part's absolute value, modulo 2^64 when ``overflowed``.
        var magnitude: UInt64 = 0
        /// Whether the integer part is above `UInt64.max`.
        var overflowed = false
        /// Whether it has neither a fraction nor an exponent.
        var isInteger = true
    }

    /// Moves past a number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    ///
    /// A digit right after a leading `0` (`01`) is left for the caller, whose next structural
    /// check rejects it.
    ///
    /// - Returns: Its sign, integer part, and whether it is an integer.
    /// - Throws: A syntax error for `-` without digits, `1.`, `1e`, `.5` and the like.
    mutating func scanNumber() throws(EtcdJSONError) -> ScannedNumber {
        var number = ScannedNumber(start: offset)
        if peek() == UInt8(ascii: "-") {
            number.isNegative = true
            offset += 1
        }
        let first = peek() &- UInt8(ascii: "0")
        guard first < 10 else { throw unexpected() }
        offset += 1
        number.magnitude = UInt64(first)
        if first != 0 {
            while true {
                let digit = peek() &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                let (times10, overflow1) = number.magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                number.magnitude = sum
                number.overflowed = number.overflowed || overflow1 || overflow2
                offset += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            offset += 1
            number.isInteger = false
            try skipDigits()
        }
        if peek() | 0x20 == UInt8(ascii: "e") {
            offset += 1
            number.isInteger = false
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
            try skipDigits()
        }
        return number
    }

    /// Moves past one or more digits.
    private mutating func skipDigits() throws(EtcdJSONError) {
        guard peek() &- UInt8(ascii: "0") < 10 else { throw unexpected() }
        repeat {
            offset += 1
        } while peek() &- UInt8(ascii: "0") < 10
    }

    /// Reads an integer exactly: every `UInt64` up to `UInt64.max`, every `Int64` down to
    /// `Int64.min`.
    ///
    /// `-0` reads as 0, also as an unsigned type (as `JSONDecoder` does). A fraction or an
    /// exponent is never an integer here, not even `1.0` or `1e2`.
    ///
    /// - Parameter type: `UInt64`, `Int64` or `Int`.
    /// - Returns: The value.
    /// - Throws: A mismatch `expected <type>` for a value that is not a number; a mismatch
    ///   for a fraction, an exponent, or a value out of the type's range; a syntax error for
    ///   a malformed number.
    mutating func readInteger<Integer: FixedWidthInteger>(_ type: Integer.Type) throws(EtcdJSONError) -> Integer {
        skipWhitespace()
        let byte = peek()
        guard byte == UInt8(ascii: "-") || byte &- UInt8(ascii: "0") < 10 else {
            throw .expected("\(Integer.self)")
        }
        let number = try scanNumber()
        guard number.isInteger else {
            throw .mismatch(path: [], problem: "\(text(from: number.start)) is not an integer (expected \(Integer.self))")
        }
        if !number.overflowed {
            if !number.isNegative {
                if let value = Integer(exactly: number.magnitude) { return value }
            } else if number.magnitude == 0 {
                return 0
            } else if Integer.isSigned, number.magnitude - 1 <= UInt64(truncatingIfNeeded: Integer.max) {
                return Integer(truncatingIfNeeded: 0 &- number.magnitude)
            }
        }
        throw .mismatch(path: [], problem: "\(text(from: number.start)) is out of range for \(Integer.self)")
    }

    /// The bytes from `start` to the position as text for an error message, shortened to 40
    /// bytes.
    private func text(from start: Int) -> String {
        let end = min(offset, bytes.count)
        let shown = UnsafeBufferPointer(rebasing: bytes[start..<min(end, start + 40)])
        return String(decoding: shown, as: UTF8.self) + (end - start > 40 ? "…" : "")
    }
}
