@testable import EtcdV2
import Testing

/// Reads `bytes` as one whole JSON document with `read` (trailing data and syntax checked).
func readJSONDocument<Value>(
    _ bytes: [UInt8], _ read: (inout EtcdJSONReader) throws(EtcdJSONError) -> Value
) throws(EtcdJSONError) -> Value {
    var value: Value?
    try bytes.withUnsafeBufferPointer { (buffer) throws(EtcdJSONError) in
        var reader = EtcdJSONReader(buffer)
        try reader.readDocument { (reader) throws(EtcdJSONError) in value = try read(&reader) }
    }
    guard let value else { throw .mismatch(path: [], problem: "test helper: nothing read") }
    return value
}

/// The error `body` throws, or `nil`.
func jsonFailure(_ body: () throws(EtcdJSONError) -> Void) -> EtcdJSONError? {
    do throws(EtcdJSONError) {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The syntax error `body` throws, or `nil` (also for a mismatch).
func jsonSyntaxFailure(_ body: () throws(EtcdJSONError) -> Void) -> EtcdJSONError.Syntax? {
    guard case .malformed(let syntax, _)? = jsonFailure(body) else { return nil }
    return syntax
}

/// Numbers, skipping, nesting, whitespace and trailing data in ``EtcdJSONReader``.
struct KeysJSONSyntaxTests {
    static func unsigned(_ text: String) throws(EtcdJSONError) -> UInt64 {
        try readJSONDocument(Array(text.utf8)) { (reader) throws(EtcdJSONError) in try reader.readInteger(UInt64.self) }
    }

    static func signed(_ text: String) throws(EtcdJSONError) -> Int64 {
        try readJSONDocument(Array(text.utf8)) { (reader) throws(EtcdJSONError) in try reader.readInteger(Int64.self) }
    }

    static func skip(_ text: String) throws(EtcdJSONError) {
        try readJSONDocument(Array(text.utf8)) { (reader) throws(EtcdJSONError) in try reader.skipValue() }
    }

    @Test(arguments: [
        ("0", UInt64(0)), ("4", 4), ("-0", 0), (" 42 ", 42), ("\n\t\r 7\r\n", 7),
        ("18446744073709551615", .max), ("18446744073709551614", .max - 1), ("1000000000000000000", 1_000_000_000_000_000_000),
    ])
    func exactUnsignedIntegers(text: String, value: UInt64) throws {
        #expect(try Self.unsigned(text) == value)
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-1", -1), ("-5", -5), ("100", 100),
        ("9223372036854775807", .max), ("-9223372036854775808", .min), ("-9223372036854775807", .min + 1),
    ])
    func exactSignedIntegers(text: String, value: Int64) throws {
        #expect(try Self.signed(text) == value)
    }

    @Test(arguments: [
        ("18446744073709551616", "18446744073709551616 is out of range for UInt64"),
        ("99999999999999999999999", "99999999999999999999999 is out of range for UInt64"),
        ("-1", "-1 is out of range for UInt64"),
        ("-18446744073709551615", "-18446744073709551615 is out of range for UInt64"),
        ("1.5", "1.5 is not an integer (expected UInt64)"),
        ("1.0", "1.0 is not an integer (expected UInt64)"),
        ("1e2", "1e2 is not an integer (expected UInt64)"),
        ("1E2", "1E2 is not an integer (expected UInt64)"),
        ("0e0", "0e0 is not an integer (expected UInt64)"),
        ("4E-2", "4E-2 is not an integer (expected UInt64)"),
        ("-1.5e+3", "-1.5e+3 is not an integer (expected UInt64)"),
        ("123456789012345678901234567890123456789012345.5",
         "1234567890123456789012345678901234567890… is not an integer (expected UInt64)"),
        (#""1""#, "expected UInt64"), ("true", "expected UInt64"), ("null", "expected UInt64"),
        ("[1]", "expected UInt64"), (#"{"a":1}"#, "expected UInt64"),
    ])
    func unsignedMismatches(text: String, problem: String) {
        #expect(jsonFailure { () throws(EtcdJSONError) in _ = try Self.unsigned(text) } == .mismatch(path: [], problem: problem))
    }

    @Test(arguments: [
        ("9223372036854775808", "9223372036854775808 is out of range for Int64"),
        ("-9223372036854775809", "-9223372036854775809 is out of range for Int64"),
        ("18446744073709551615", "18446744073709551615 is out of range for Int64"),
        ("-2.5", "-2.5 is not an integer (expected Int64)"),
        ("3e0", "3e0 is not an integer (expected Int64)"),
    ])
    func signedMismatches(text: String, problem: String) {
        #expect(jsonFailure { () throws(EtcdJSONError) in _ = try Self.signed(text) } == .mismatch(path: [], problem: problem))
    }

    @Test(arguments: [
        ("-", EtcdJSONError.Syntax.truncated), ("-a", .unexpectedByte), ("01", .trailingData), ("00", .trailingData),
        ("1.", .truncated), ("1.e5", .unexpectedByte), (".5", .unexpectedByte), ("+1", .unexpectedByte),
        ("1e", .truncated), ("1e+", .truncated), ("1e-x", .unexpectedByte), ("--1", .unexpectedByte),
        ("0x10", .trailingData), ("1 2", .trailingData), ("Infinity", .unexpectedByte), ("NaN", .unexpectedByte),
        ("", .truncated), ("   ", .truncated),
    ])
    func malformedNumbers(text: String, syntax: EtcdJSONError.Syntax) {
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try Self.unsigned(text) } == syntax)
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in try Self.skip(text) } == syntax)
    }

    @Test(arguments: [
        "0", "-0", "-1.5e+10", "1E-7", "3.14159", "0.0e0", "123456789012345678901234567890", "1e400",
        "true", "false", "null", #""""#, #""s\u00e9\n\"}]""#,
        "{}", "[]", "[[]]", "{ }", "[ ]", #"{"a":{}}"#, #"[1,"a",null,true,false,{},[]]"#,
        #"{"a":[1,2,{"b":null}],"c":"d","":0,"\u0000":-0.0}"#,
        " \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n} \t\r\n",
    ])
    func skipsEveryKindOfValue(text: String) throws {
        try Self.skip(text)
    }

    @Test(arguments: [
        ("[1,]", EtcdJSONError.Syntax.unexpectedByte), (#"{"a":1,}"#, .unexpectedByte), (#"{"a" 1}"#, .unexpectedByte),
        ("{a:1}", .unexpectedByte), ("{1:2}", .unexpectedByte), ("[1 2]", .unexpectedByte), (#"{"a":1 "b":2}"#, .unexpectedByte),
        ("tru", .unexpectedByte), ("nul", .unexpectedByte), ("True", .unexpectedByte), ("nulll", .trailingData),
        ("[", .truncated), ("[1", .truncated), (#"{"a":"#, .truncated), (#"{"a""#, .truncated), (#""abc"#, .truncated),
        ("{", .truncated), ("]", .unexpectedByte), ("}", .unexpectedByte), ("[}", .unexpectedByte), ("{]", .unexpectedByte),
        ("'s'", .unexpectedByte), ("{} {}", .trailingData), ("[]]", .trailingData), ("[] x", .trailingData),
        ("\u{0C}[]", .unexpectedByte), ("[]\u{0B}", .trailingData), ("\u{A0}1", .unexpectedByte), ("[1\u{0}]", .unexpectedByte),
    ])
    func rejectsMalformedValues(text: String, syntax: EtcdJSONError.Syntax) {
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in try Self.skip(text) } == syntax)
    }

    @Test func aByteOrderMarkAtTheStartIsSkipped() throws {
        #expect(try readJSONDocument([0xEF, 0xBB, 0xBF] + Array("12".utf8)) { (reader) throws(EtcdJSONError) in
            try reader.readInteger(UInt64.self)
        } == 12)
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in
            _ = try readJSONDocument(Array("1".utf8) + [0xEF, 0xBB, 0xBF]) { (reader) throws(EtcdJSONError) in
                try reader.readInteger(UInt64.self)
            }
        } == .trailingData)
    }

    @Test(arguments: [(EtcdJSONReader.maxDepth, true), (EtcdJSONReader.maxDepth + 1, false), (100_000, false)])
    func nestingIsCappedWithoutRecursingPastTheCap(depth: Int, accepted: Bool) {
        for (open, innermost, close) in [("[", "[]", "]"), (#"{"a":"#, "{}", "}")] {
            let text = String(repeating: open, count: depth - 1) + innermost + String(repeating: close, count: depth - 1)
            let syntax = jsonSyntaxFailure { () throws(EtcdJSONError) in try Self.skip(text) }
            #expect(syntax == (accepted ? nil : .tooDeep), "\(open) x \(depth)")
        }
        let unclosed = String(repeating: "[", count: depth)
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in try Self.skip(unclosed) } == (accepted ? .truncated : .tooDeep))
    }

    @Test func theOffsetOfASyntaxErrorPointsAtTheProblem() {
        #expect(jsonFailure { () throws(EtcdJSONError) in try Self.skip(#"{"a":[1,2,x]}"#) } == .malformed(.unexpectedByte, offset: 10))
        #expect(jsonFailure { () throws(EtcdJSONError) in try Self.skip("[1]  ,") } == .malformed(.trailingData, offset: 5))
        #expect(jsonFailure { () throws(EtcdJSONError) in try Self.skip("[1") } == .malformed(.truncated, offset: 2))
    }

    @Test func aMismatchIsReportedOnlyForWellFormedDocuments() {
        // The value has the wrong type, and the document is fine: a mismatch.
        #expect(jsonFailure { () throws(EtcdJSONError) in _ = try Self.unsigned(#"["a"]"#) } == .expected("UInt64"))
        // The value has the wrong type, but it is itself malformed: the syntax error wins.
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try Self.unsigned(#"["a",]"#) } == .unexpectedByte)
        // The value has the wrong type, and garbage follows: the syntax error wins.
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try Self.unsigned(#""a" x"#) } == .trailingData)
        #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try Self.unsigned("-1 x") } == .trailingData)
    }
}
