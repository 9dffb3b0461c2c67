import Foundation
@testable import EtcdV2
import Testing

/// ``KeysWireBody`` and ``Node/init(reading:)``: etcd's shapes read with ``EtcdJSONReader``.
struct KeysJSONWireBodyTests {
    static func wire(_ json: String) throws(EtcdJSONError) -> KeysWireBody {
        try KeysWireBody(parsing: Array(json.utf8))
    }

    static func failure(_ json: String) -> EtcdJSONError? {
        jsonFailure { () throws(EtcdJSONError) in _ = try wire(json) }
    }

    @Test(arguments: [
        #"{"key":"/message","value":"Hello world","modifiedIndex":4,"createdIndex":4}"#,
        #"{"key":"/w","dir":true,"modifiedIndex":28,"createdIndex":25}"#,
        #"{"key":"/k","value":"","modifiedIndex":9,"createdIndex":8}"#,
        #"{"key":"/exp","modifiedIndex":30,"createdIndex":29}"#,
        #"{"dir":true,"nodes":[{"key":"/a","value":"1","modifiedIndex":2,"createdIndex":2}]}"#,
        #"{"dir":true}"#,
        #"{"key":"/dir","dir":true,"nodes":[{"key":"/dir/a","value":"av","modifiedIndex":11,"createdIndex":11},{"key":"/dir/sub","dir":true,"nodes":[{"key":"/dir/sub/c","value":"cv","modifiedIndex":12,"createdIndex":12}],"modifiedIndex":12,"createdIndex":12}],"modifiedIndex":9,"createdIndex":9}"#,
        #"{"key":"/ttlkey","value":"v","expiration":"2026-11-25T10:25:03.088530525Z","ttl":100,"modifiedIndex":15,"createdIndex":15}"#,
        #"{"key":"/t","expiration":"2026-11-25T10:28:23.1+02:00","ttl":-3,"modifiedIndex":16,"createdIndex":15}"#,
        #"{"key":"/\u00e9\u65e5","value":"\ud83d\ude00 \"quoted\" \\ \n\t","modifiedIndex":1,"createdIndex":1}"#,
        #"{"key":"/max","modifiedIndex":18446744073709551615,"createdIndex":18446744073709551614,"ttl":-9223372036854775808}"#,
        #"{"key":"/e","nodes":[],"value":null,"ttl":null,"expiration":null}"#,
        #"{}"#,
    ])
    func nodesMatchTheirDecodableConformance(json: String) throws {
        let expected = try JSONDecoder().decode(Node.self, from: Data(json.utf8))
        #expect(try Self.wire(#"{"action":"get","node":"# + json + "}").node == expected)
        #expect(try Self.wire(#"{"action":"get","prevNode":"# + json + "}").prevNode == expected)
    }

    @Test func errorBodiesReadEveryField() throws {
        let wire = try Self.wire(#"{"errorCode":100,"message":"Key not found","cause":"/missing","index":18446744073709551615}"#)
        #expect(wire.errorCode == 100 && wire.message == "Key not found" && wire.cause == "/missing" && wire.index == .max)
        #expect(wire.action == nil && wire.node == nil && wire.prevNode == nil)
        #expect(try Self.wire(#"{"errorCode":-3}"#).errorCode == -3)
        #expect(try Self.wire(#"{"action":"compareAndSwap"}"#).action == .compareAndSwap)
        #expect(try Self.wire(#"{"action":"frobnicate"}"#).action == .unknown("frobnicate"))
    }

    @Test func unknownFieldsOfEveryKindAreSkipped() throws {
        let unknown = #""o":{"a":{"b":[1,{"c":null}]}},"a":[[],{},"]}",-1.5e-3],"n":-12.5E+7,"z":0,"t":true,"f":false,"#
            + #""nil":null,"s":"\"}],{[\u00e9\ud83d\ude00","\u0078":1,"":"","é":"日本","#
        let json = "{" + unknown + #""action":"set","# + unknown
            + #""node":{"# + unknown + #""key":"/a","# + unknown + #""value":"v","modifiedIndex":2,"createdIndex":1},"#
            + unknown + #""prevNode":null}"#
        let wire = try Self.wire(json)
        #expect(wire.action == .set)
        #expect(wire.node == Node(key: "/a", value: "v", createdIndex: 1, modifiedIndex: 2))
        #expect(wire.prevNode == nil && wire.errorCode == nil)
    }

    @Test func knownKeysMayBeEscaped() throws {
        let wire = try Self.wire(#"{"\u0061ction":"g\u0065t","n\u006fde":{"\u006bey":"/\u00e9","modifiedIndex":3}}"#)
        #expect(wire.action == .get)
        #expect(wire.node == Node(key: "/é", modifiedIndex: 3))
    }

    @Test func whitespaceEverywhereChangesNothing() throws {
        let compact = #"{"action":"get","node":{"key":"/d","dir":true,"nodes":[{"key":"/d/a","value":"x y","ttl":5,"modifiedIndex":2,"createdIndex":1},{"key":"/d/b","value":"","modifiedIndex":3,"createdIndex":3}],"modifiedIndex":1,"createdIndex":1},"prevNode":null}"#
        var spaced = "\r\n\t "
        var inString = false
        for character in compact {
            // Whitespace around every token: around structural characters and strings, not
            // inside numbers, literals or strings.
            let isStructural = !inString && "{}[],:".contains(character)
            if isStructural || (character == "\"" && !inString) { spaced += " \t\r\n" }
            spaced.append(character)
            if character == "\"" { inString.toggle() }
            if isStructural || (character == "\"" && !inString) { spaced += "\n\r\t " }
        }
        #expect(spaced.utf8.count > compact.utf8.count + 300)
        let expected = try Self.wire(compact)
        let actual = try Self.wire(spaced)
        #expect(actual.node == expected.node && actual.action == expected.action && expected.node?.nodes?.count == 2)
        #expect(actual.node?.nodes?[0].value == "x y")
    }

    @Test func duplicateKeysTakeTheirLastValue() throws {
        #expect(try Self.wire(#"{"action":"get","node":{"key":"/a","key":"/b"}}"#).node?.key == "/b")
        #expect(try Self.wire(#"{"action":"get","node":{"value":"a","value":null}}"#).node?.value == nil)
        #expect(try Self.wire(#"{"action":"get","action":"set"}"#).action == .set)
        #expect(try Self.wire(#"{"action":"get","node":{"key":"/a"},"node":{"key":"/b"}}"#).node?.key == "/b")
        // A wrong type that a later duplicate replaces does not count; the other way round it does.
        #expect(try Self.wire(#"{"action":"get","node":{"key":1},"node":{"key":"/ok"}}"#).node?.key == "/ok")
        #expect(try Self.wire(#"{"action":5,"action":"get","node":{"ttl":"x","ttl":7}}"#).node?.ttl == 7)
        #expect(Self.failure(#"{"action":"get","node":{"key":"/ok","key":1}}"#) == .mismatch(path: ["node", "key"], problem: "expected String"))
    }

    @Test func nullIsAbsentForEveryField() throws {
        let wire = try Self.wire(#"{"action":"set","node":{"key":null,"dir":null,"value":null,"nodes":null,"createdIndex":null,"modifiedIndex":null,"expiration":null,"ttl":null},"prevNode":null,"errorCode":null,"message":null,"cause":null,"index":null}"#)
        #expect(wire.node == Node(key: "/"))
        #expect(wire.prevNode == nil && wire.errorCode == nil && wire.message == nil && wire.cause == nil && wire.index == nil)
        #expect(try Self.wire(#"{"action":null}"#).action == nil)
    }

    @Test(arguments: [
        ("[]", [], "expected Dictionary<String, Any>"), ("null", [], "expected Dictionary<String, Any>, found null"),
        (#""404 page not found""#, [], "expected Dictionary<String, Any>"), ("5", [], "expected Dictionary<String, Any>"),
        (#"{"action":5}"#, ["action"], "expected String"),
        (#"{"action":"get","node":"x"}"#, ["node"], "expected Dictionary<String, Any>"),
        (#"{"action":"get","prevNode":[]}"#, ["prevNode"], "expected Dictionary<String, Any>"),
        (#"{"action":"get","node":{"nodes":{}}}"#, ["node", "nodes"], "expected Array<Any>"),
        (#"{"action":"get","node":{"nodes":[null]}}"#, ["node", "nodes", "[0]"], "expected Dictionary<String, Any>, found null"),
        (#"{"action":"get","node":{"nodes":[{},5]}}"#, ["node", "nodes", "[1]"], "expected Dictionary<String, Any>"),
        (#"{"action":"get","node":{"nodes":[{"nodes":[{"key":1}]}]}}"#, ["node", "nodes", "[0]", "nodes", "[0]", "key"], "expected String"),
        (#"{"action":"get","node":{"dir":"true"}}"#, ["node", "dir"], "expected Bool"),
        (#"{"action":"get","node":{"value":1}}"#, ["node", "value"], "expected String"),
        (#"{"action":"get","node":{"createdIndex":"1"}}"#, ["node", "createdIndex"], "expected UInt64"),
        (#"{"action":"get","node":{"modifiedIndex":-1}}"#, ["node", "modifiedIndex"], "-1 is out of range for UInt64"),
        (#"{"action":"get","node":{"modifiedIndex":18446744073709551616}}"#, ["node", "modifiedIndex"], "18446744073709551616 is out of range for UInt64"),
        (#"{"action":"get","node":{"modifiedIndex":4.0}}"#, ["node", "modifiedIndex"], "4.0 is not an integer (expected UInt64)"),
        (#"{"action":"get","node":{"createdIndex":4e0}}"#, ["node", "createdIndex"], "4e0 is not an integer (expected UInt64)"),
        (#"{"action":"get","node":{"ttl":9223372036854775808}}"#, ["node", "ttl"], "9223372036854775808 is out of range for Int64"),
        (#"{"action":"get","node":{"ttl":true}}"#, ["node", "ttl"], "expected Int64"),
        (#"{"action":"get","node":{"expiration":"yesterday"}}"#, ["node", "expiration"], #""yesterday" is not an RFC 3339 timestamp"#),
        (#"{"action":"get","node":{"expiration":5}}"#, ["node", "expiration"], "expected String"),
        (#"{"errorCode":"300","message":"x"}"#, ["errorCode"], "expected Int"),
        (#"{"errorCode":1.5}"#, ["errorCode"], "1.5 is not an integer (expected Int)"),
        (#"{"errorCode":100,"index":-1}"#, ["index"], "-1 is out of range for UInt64"),
        (#"{"errorCode":100,"message":{}}"#, ["message"], "expected String"),
        (#"{"action":"get","cause":[]}"#, ["cause"], "expected String"),
        // Several wrong fields: the first in JSONDecoder's order, not in document order.
        (#"{"action":"get","node":{"value":2,"key":1}}"#, ["node", "key"], "expected String"),
        (#"{"node":{"key":1},"action":1}"#, ["action"], "expected String"),
        (#"{"index":"x","errorCode":"y","prevNode":1}"#, ["prevNode"], "expected Dictionary<String, Any>"),
        (#"{"action":"get","node":{"expiration":"no","ttl":"x","modifiedIndex":-1}}"#, ["node", "modifiedIndex"], "-1 is out of range for UInt64"),
    ] as [(String, [String], String)])
    func wrongShapesNameThePathAndTheProblem(json: String, path: [String], problem: String) {
        #expect(Self.failure(json) == .mismatch(path: path, problem: problem))
    }

    @Test(arguments: [
        ("", EtcdJSONError.Syntax.truncated), (#"{"action":"get"} trailing"#, .trailingData), (#"{"action":"get"}}"#, .trailingData),
        (#"{"action":"set","node":{"key":"/a""#, .truncated), (#"{"action":"get",}"#, .unexpectedByte),
        (#"{"action":"get","x":01}"#, .unexpectedByte), (#"{"action":"get","x":"\ud800"}"#, .loneSurrogate),
        (#"{"action":"get","x":"\q"}"#, .invalidEscape), ("{\"action\":\"g\u{01}\"}", .controlCharacter),
        // Syntax errors win over a wrong type found earlier, wherever they are.
        (#"{"action":5,"x":[1,]}"#, .unexpectedByte), (#"{"action":"get","node":{"key":1,"value":"\x"}}"#, .invalidEscape),
        (#"{"action":"get","node":{"nodes":[null,{"a":}]}}"#, .unexpectedByte), (#"[1] x"#, .trailingData), ("nul", .unexpectedByte),
    ])
    func syntaxErrorsWinOverWrongShapes(json: String, syntax: EtcdJSONError.Syntax) {
        guard case .malformed(let actual, _)? = Self.failure(json) else {
            Issue.record("expected a syntax error for \(json), got \(String(describing: Self.failure(json)))")
            return
        }
        #expect(actual == syntax)
    }

    @Test func aDirectoryWithAThousandNodes() throws {
        let children = (0..<1_000).map { #"{"key":"/big/k\#($0)","value":"v\#($0)","modifiedIndex":\#($0 + 10),"createdIndex":\#($0 + 5)}"# }
        let json = #"{"action":"get","node":{"key":"/big","dir":true,"nodes":["# + children.joined(separator: ",") + "]}}"
        let nodes = try #require(try Self.wire(json).node?.nodes)
        #expect(nodes.count == 1_000)
        let expected = (0..<1_000).map { (index: Int) -> Node in
            Node(key: "/big/k\(index)", value: "v\(index)", createdIndex: UInt64(index + 5), modifiedIndex: UInt64(index + 10))
        }
        #expect(nodes == expected)
    }

    @Test(arguments: [(200, true), (255, true), (256, false), (5_000, false)])
    func nestedDirectoriesStopAtTheDepthCap(levels: Int, accepted: Bool) throws {
        // The top-level object, then an object and a `nodes` array per level, then the leaf.
        var json = #"{"key":"/leaf"}"#
        for _ in 0..<levels { json = #"{"dir":true,"nodes":["# + json + "]}" }
        json = #"{"action":"get","node":"# + json + "}"
        if accepted {
            var node = try #require(try Self.wire(json).node)
            for _ in 0..<levels { node = try #require(node.nodes?.first) }
            #expect(node.key == "/leaf")
        } else {
            #expect(jsonSyntaxFailure { () throws(EtcdJSONError) in _ = try Self.wire(json) } == .tooDeep)
        }
    }

    @Test func aOneMebibyteValue() throws {
        let value = String(repeating: "0123456789abcdef", count: 65_536)
        let wire = try Self.wire(#"{"action":"get","node":{"key":"/big","value":""# + value + #"","modifiedIndex":4,"createdIndex":4}}"#)
        #expect(wire.node?.value?.utf8.count == 1 << 20)
        #expect(wire.node?.value == value)
    }

    @Test(arguments: [
        (#"{"action":"get","node":{"key":"/a","modifiedIndex":-1}}"#,
         "the response JSON is not an etcd v2 answer (node.modifiedIndex: -1 is out of range for UInt64)"),
        (#"{"action":"get","node":{"nodes":[{"key":true}]}}"#,
         "the response JSON is not an etcd v2 answer (node.nodes.[0].key: expected String)"),
        ("null", "the response JSON is not an etcd v2 answer (top level: expected Dictionary<String, Any>, found null)"),
        (#"{"action":"get","x":"\udc00"}"#, "the response body is truncated or malformed JSON"),
        (String(repeating: "[", count: 600) + String(repeating: "]", count: 600), "the response body is truncated or malformed JSON"),
        ("\u{FEFF}garbage", "the response body is not JSON"),
    ])
    func theDecoderKeepsItsDetails(json: String, detail: String) throws {
        let error = try #require(throws: EtcdResponseError.self) {
            try KeysResponseDecoder.decode(status: 200, headers: [], body: Array(json.utf8), endpoint: "http://127.0.0.1:2379")
        }
        #expect(error.kind == .invalidBody)
        #expect(error.detail == detail)
    }
}
