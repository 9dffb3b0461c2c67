@testable import EtcdV2
import Testing

/// Strings in ``EtcdJSONReader``: every escape, surrogate pairs, UTF-8, and what is rejected.
struct KeysJSONStringTests {
    static func string(_ bytes: [UInt8]) throws(EtcdJSONError) -> String {
        try readJSONDocument(bytes) { (reader) throws(EtcdJSONError) in try reader.readString() }
    }

    static func string(_ text: String) throws(EtcdJSONError) -> String {
        try string(Array(text.utf8))
    }

    /// The syntax error for `bytes` read as a string value, as a skipped value, and (unless
    /// the string is cut short, which a following `:1}` would change) as a key.
    static func syntaxErrors(_ bytes: [UInt8], asKey: Bool = true) -> [EtcdJSONError.Syntax?] {
        let asValue = [
            jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try string(bytes) },
            jsonSyntaxFailure { () throws(EtcdJSONError) in
                try readJSONDocument(bytes) { (reader) throws(EtcdJSONError) in try reader.skipValue() }
            },
        ]
        guard asKey else { return asValue }
        return asValue + [
            jsonSyntaxFailure { () throws(EtcdJSONError) in
                try readJSONDocument(Array("{".utf8) + bytes + Array(":1}".utf8)) { (reader) throws(EtcdJSONError) in
                    try reader.skipValue()
                }
            },
        ]
    }

    @Test(arguments: [
        (#""""#, ""), (#""plain""#, "plain"), (#""\"""#, "\""), (#""\\""#, "\\"), (#""\/""#, "/"),
        (#""\b""#, "\u{08}"), (#""\f""#, "\u{0C}"), (#""\n""#, "\n"), (#""\r""#, "\r"), (#""\t""#, "\t"),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041""#, "A"), (#""\u00e9""#, "é"), (#""\u00C9""#, "É"), (#""\u20AC""#, "€"), (#""\u20ac""#, "€"),
        (#""\u0000""#, "\u{0}"), (#""\u001f""#, "\u{1F}"), (#""\u007F""#, "\u{7F}"), (#""\uFFFF""#, "\u{FFFF}"),
        (#""\uFEFF""#, "\u{FEFF}"), (#""\u0800""#, "\u{800}"), (#""\u07FF""#, "\u{7FF}"),
        (#""\ud83d\ude00""#, "😀"), (#""\uD834\uDD1E""#, "𝄞"), (#""\ud800\udc00""#, "\u{10000}"),
        (#""\udbff\udfff""#, "\u{10FFFF}"), (#""a\ud83d\ude00b\u00e9c""#, "a😀béc"),
        (#""héllo 日本 😀""#, "héllo 日本 😀"), (#""é\n😀""#, "é\n😀"), (#""/dir/key with spaces""#, "/dir/key with spaces"),
        ("\"\u{7F}\"", "\u{7F}"), (#"  "padded"  "#, "padded"), (#""\\u0041""#, "\\u0041"), (#""\"}]{[,:""#, "\"}]{[,:"),
    ])
    func decodesEveryEscape(json: String, value: String) throws {
        #expect(try Self.string(json) == value)
    }

    @Test(arguments: [
        (#""\q""#, EtcdJSONError.Syntax.invalidEscape), (#""\x41""#, .invalidEscape), (#""\U0041""#, .invalidEscape),
        (#""\u12G4""#, .invalidEscape), (#""\u 123""#, .invalidEscape), (#""\'""#, .invalidEscape), (#""\a""#, .invalidEscape),
        (#""\ud800""#, .loneSurrogate), (#""\ud800x""#, .loneSurrogate), (#""\ud800\u0041""#, .loneSurrogate),
        (#""\ud800\ud800""#, .loneSurrogate), (#""\udc00""#, .loneSurrogate), (#""\udfff\ud800""#, .loneSurrogate),
        (#""\ud800\n""#, .loneSurrogate),
        (#""\u12"#, .truncated), (#""\"#, .truncated), (#""abc\""#, .truncated), (#""\ud83d\ude0"#, .truncated),
        ("\"a\u{01}b\"", .controlCharacter), ("\"\t\"", .controlCharacter), ("\"\n\"", .controlCharacter),
        ("\"\u{1F}\"", .controlCharacter), ("\"\u{0}\"", .controlCharacter), ("\"\\n\u{0A}\"", .controlCharacter),
    ])
    func rejectsBadEscapesAndControlCharacters(json: String, syntax: EtcdJSONError.Syntax) {
        let isCutShort = syntax == .truncated
        #expect(Self.syntaxErrors(Array(json.utf8), asKey: !isCutShort) == Array(repeating: syntax, count: isCutShort ? 2 : 3))
    }

    @Test(arguments: [
        [0xFF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0x61, 0xC3], [0xF0, 0x9F, 0x98],
    ] as [[UInt8]])
    func rejectsInvalidUTF8WithAndWithoutEscapes(bytes: [UInt8]) {
        let quote = UInt8(ascii: "\"")
        let escape = Array(#"\n"#.utf8)
        for string in [[quote] + bytes + [quote], [quote] + escape + bytes + [quote], [quote] + bytes + escape + [quote]] {
            #expect(Self.syntaxErrors(string) == [.invalidUTF8, .invalidUTF8, .invalidUTF8], "\(string)")
        }
    }

    @Test func aOneMebibyteValueReadsWhole() throws {
        let plain = String(repeating: "0123456789abcdef", count: 65_536)
        #expect(plain.utf8.count == 1 << 20)
        #expect(try Self.string("\"" + plain + "\"") == plain)

        let unicode = String(repeating: "é日😀\u{7F}", count: 100_000)
        #expect(try Self.string("\"" + unicode + "\"") == unicode)

        let escaped = String(repeating: #"a\n\u00e9\ud83d\ude00"#, count: 40_000)
        let expected = String(repeating: "a\né😀", count: 40_000)
        #expect(try Self.string("\"" + escaped + "\"") == expected)
    }

    /// The reader scans plain string content eight bytes at a time: a quote, an escape, a
    /// control character, a non-ASCII or an invalid byte at any offset, in strings of any
    /// length, must be found where it is (as the byte-by-byte scan found it).
    @Test func everySpecialByteIsFoundAtEveryOffset() throws {
        func quoted(_ content: [UInt8]) -> [UInt8] { [0x22] + content + [0x22] }
        for length in 0..<26 {
            let plain = Array(String(repeating: "abcdefgh", count: 4).utf8.prefix(length))
            #expect(try Self.string(quoted(plain)) == String(decoding: plain, as: UTF8.self))
            for position in 0..<length {
                // An escape (`\n`) in the middle of plain bytes.
                var escaped = plain
                escaped.replaceSubrange(position..<position + 1, with: Array(#"\n"#.utf8))
                var unescaped = plain
                unescaped[position] = 0x0A
                #expect(try Self.string(quoted(escaped)) == String(decoding: unescaped, as: UTF8.self))
                // An unescaped control character is a syntax error.
                var control = plain
                control[position] = 0x1F
                #expect(Self.syntaxErrors(quoted(control)) == [.controlCharacter, .controlCharacter, .controlCharacter])
                // A non-ASCII character (é) is validated and kept; a byte that is not UTF-8 is not.
                var unicode = plain
                unicode.replaceSubrange(position..<position + 1, with: [0xC3, 0xA9])
                #expect(try Self.string(quoted(unicode)) == String(decoding: unicode, as: UTF8.self))
                var invalid = plain
                invalid[position] = 0xFF
                #expect(Self.syntaxErrors(quoted(invalid)) == [.invalidUTF8, .invalidUTF8, .invalidUTF8])
                // A quote ends the string there: what follows is trailing data.
                var early = plain
                early[position] = 0x22
                #expect(Self.syntaxErrors(quoted(early), asKey: false).first == .trailingData)
            }
        }
    }

    @Test func validationAgreesWithTheStandardLibraryOnRandomBytes() {
        // Random byte strings biased towards UTF-8 lead and continuation bytes, from a fixed
        // seed: EtcdJSONReader.isValidUTF8 must agree with String(validating:as:).
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
                                    0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFE, 0xFF]
        var disagreements: [[UInt8]] = []
        var validCount = 0
        for _ in 0..<50_000 {
            let length = Int(next() % 7)
            let bytes = (0..<length).map { _ in
                let random = next()
                return random & 1 == 0 ? interesting[Int((random >> 1) % UInt64(interesting.count))] : UInt8(truncatingIfNeeded: random >> 8)
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let actual = bytes.withUnsafeBufferPointer { EtcdJSONReader.isValidUTF8($0) }
            if expected != actual { disagreements.append(bytes) }
            if expected { validCount += 1 }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        #expect(validCount > 5_000)
    }

    @Test func aStringWhereAnotherTypeIsExpectedIsAMismatch() {
        #expect(jsonFailure { () throws(EtcdJSONError) in _ = try Self.string("5") } == .expected("String"))
        #expect(jsonFailure { () throws(EtcdJSONError) in _ = try Self.string("null") } == .expected("String"))
        #expect(jsonFailure { () throws(EtcdJSONError) in _ = try Self.string(#"["a"]"#) } == .expected("String"))
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try Self.string("'a'") } == .unexpectedByte)
    }
}
