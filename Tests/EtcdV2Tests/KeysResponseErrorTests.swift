import CurlTransport
@testable import EtcdV2
import Testing

/// etcd error bodies, and answers that are not etcd v2 answers at all.
struct KeysResponseErrorTests {
    static let endpoint = "http://127.0.0.1:2379"

    static func decode(status: Int, body: String, headers: [HTTPHeader] = []) throws -> Response {
        try decode(status: status, bytes: Array(body.utf8), headers: headers)
    }

    static func decode(status: Int, bytes: [UInt8], headers: [HTTPHeader] = []) throws -> Response {
        try KeysResponseDecoder.decode(status: status, headers: headers, body: bytes, endpoint: endpoint)
    }

    @Test(arguments: [
        (404, #"{"errorCode":100,"message":"Key not found","cause":"/missing","index":5}"#,
         EtcdError(code: .keyNotFound, message: "Key not found", cause: "/missing", index: 5)),
        (412, #"{"errorCode":101,"message":"Compare failed","cause":"[nope != Hello etcd] [1 != 5]","index":5}"#,
         EtcdError(code: .testFailed, message: "Compare failed", cause: "[nope != Hello etcd] [1 != 5]", index: 5)),
        (403, #"{"errorCode":102,"message":"Not a file","cause":"/dir","index":8}"#,
         EtcdError(code: .notFile, message: "Not a file", cause: "/dir", index: 8)),
        (400, #"{"errorCode":104,"message":"Not a directory","cause":"/file","index":8}"#,
         EtcdError(code: .notDir, message: "Not a directory", cause: "/file", index: 8)),
        (412, #"{"errorCode":105,"message":"Key already exists","cause":"/message","index":5}"#,
         EtcdError(code: .nodeExist, message: "Key already exists", cause: "/message", index: 5)),
        (400, #"{"errorCode":107,"message":"Root is read only","cause":"/","index":9}"#,
         EtcdError(code: .rootROnly, message: "Root is read only", cause: "/", index: 9)),
        (403, #"{"errorCode":108,"message":"Directory not empty","cause":"/dir","index":9}"#,
         EtcdError(code: .dirNotEmpty, message: "Directory not empty", cause: "/dir", index: 9)),
        (401, #"{"errorCode":110,"message":"The request requires user authentication","cause":"Insufficient credentials","index":0}"#,
         EtcdError(code: .unauthorized, message: "The request requires user authentication", cause: "Insufficient credentials", index: 0)),
        (400, #"{"errorCode":202,"message":"The given TTL in POST form is not a number","cause":"invalid value for \"ttl\"","index":0}"#,
         EtcdError(code: .ttlNaN, message: "The given TTL in POST form is not a number", cause: #"invalid value for "ttl""#, index: 0)),
        (400, #"{"errorCode":211,"message":"Value provided on refresh","cause":"A value was provided on a refresh","index":0}"#,
         EtcdError(code: .refreshValue, message: "Value provided on refresh", cause: "A value was provided on a refresh", index: 0)),
        (400, #"{"errorCode":212,"message":"A TTL must be provided on refresh","cause":"No TTL value set","index":0}"#,
         EtcdError(code: .refreshTTLRequired, message: "A TTL must be provided on refresh", cause: "No TTL value set", index: 0)),
        (500, #"{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out","index":0}"#,
         EtcdError(code: .raftInternal, message: "Raft Internal Error", cause: "etcdserver: request timed out", index: 0)),
        (400, #"{"errorCode":401,"message":"The event in requested index is outdated and cleared","cause":"the requested history has been cleared [138/8]","index":1137}"#,
         EtcdError(code: .eventIndexCleared, message: "The event in requested index is outdated and cleared", cause: "the requested history has been cleared [138/8]", index: 1137)),
        (418, #"{"errorCode":999,"message":"Something new","index":3}"#,
         EtcdError(code: EtcdError.Code(rawValue: 999), message: "Something new", cause: nil, index: 3)),
        (200, #"{"errorCode":100,"message":"Key not found","cause":"/x","index":2}"#,
         EtcdError(code: .keyNotFound, message: "Key not found", cause: "/x", index: 2)),
    ])
    func etcdErrorBodies(status: Int, body: String, error: EtcdError) {
        #expect(throws: error) {
            try Self.decode(status: status, body: body + "\n", headers: [HTTPHeader("X-Etcd-Index", "77")])
        }
    }

    @Test(arguments: [
        ([HTTPHeader("X-Etcd-Index", "42")], UInt64(42)),
        ([HTTPHeader("X-Etcd-Index", "nope")], 0),
        ([], 0),
    ] as [([HTTPHeader], UInt64)])
    func errorIndexFallsBackToTheHeader(headers: [HTTPHeader], index: UInt64) {
        #expect(throws: EtcdError(code: .keyNotFound, message: "Key not found", cause: nil, index: index)) {
            try Self.decode(status: 404, body: #"{"errorCode":100,"message":"Key not found"}"#, headers: headers)
        }
    }

    @Test(arguments: [
        (200, "", EtcdResponseError.Kind.invalidBody, "the response body is empty"),
        (201, "\r\n", .invalidBody, "the response body is empty"),
        (200, "garbage", .invalidBody, "the response body is not JSON"),
        (200, "<html><body>hi</body></html>", .invalidBody, "the response body is not JSON"),
        (200, #"{"action":"set","node":{"key":"/a""#, .invalidBody, "the response body is truncated or malformed JSON"),
        (200, #"{"action":"get"} trailing"#, .invalidBody, "the response body is truncated or malformed JSON"),
        (200, #"{"node":{"key":"/a","value":"v"}}"#, .invalidBody, #"the response JSON has no "action""#),
        (200, "{}", .invalidBody, #"the response JSON has no "action""#),
        (200, "[]", .invalidBody, "the response JSON is not an etcd v2 answer"),
        (200, "null", .invalidBody, "the response JSON is not an etcd v2 answer"),
        (200, #""404 page not found""#, .invalidBody, "the response JSON is not an etcd v2 answer"),
        (200, #"{"action":5}"#, .invalidBody, "the response JSON is not an etcd v2 answer (action"),
        (200, #"{"action":"get","node":{"key":"/a","modifiedIndex":-1}}"#, .invalidBody, "out of range"),
        (200, #"{"action":"get","node":{"key":"/a","expiration":"yesterday"}}"#, .invalidBody, "node.expiration"),
        (200, #"{"action":"get","node":{"key":"/d","nodes":[{"key":1}]}}"#, .invalidBody, "node.nodes.[0].key"),
        (500, #"{"errorCode":"300","message":"x"}"#, .invalidBody, "errorCode"),
        (404, "404 page not found\n", .v2Disabled, "the response body is not JSON"),
        (404, "", .v2Disabled, "the response body is empty"),
        (404, "<html><title>404</title></html>", .v2Disabled, "the response body is not JSON"),
        (404, #"{"message":"Not found"}"#, .unexpectedStatus(404), "unexpected HTTP status 404 without an etcd error body"),
        (502, "Bad Gateway", .unexpectedStatus(502), "the response body is not JSON"),
        (503, #"{"message":"During election"}"#, .unexpectedStatus(503), "unexpected HTTP status 503"),
        (301, "", .unexpectedStatus(301), "the response body is empty"),
        (204, "", .unexpectedStatus(204), "the response body is empty"),
        (202, #"{"action":"set"}"#, .unexpectedStatus(202), "unexpected HTTP status 202"),
        (400, #"{"errorCode":100,"#, .unexpectedStatus(400), "truncated"),
    ])
    func answersThatAreNotEtcd(status: Int, body: String, kind: EtcdResponseError.Kind, detail: String) throws {
        let error = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: status, body: body)
        }
        #expect(error.kind == kind)
        #expect(error.status == status)
        #expect(error.endpoint == Self.endpoint)
        #expect(error.detail.contains(detail), "\(error.detail)")
        #expect(error.bodyPrefix == body)
    }

    @Test func descriptionsNameTheEndpointAndTheProblem() throws {
        let disabled = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 404, body: "404 page not found\n")
        }
        #expect(disabled.description == #"http://127.0.0.1:2379 is not an etcd v2 endpoint: the v2 API is disabled (HTTP 404 "404 page not found"); start etcd with --enable-v2=true"#)

        let notJSON = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 200, body: "<html>")
        }
        #expect(notJSON.description == #"http://127.0.0.1:2379 is not an etcd v2 endpoint: the response body is not JSON (HTTP 200 "<html>")"#)

        let empty = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 200, body: "")
        }
        #expect(empty.description == "http://127.0.0.1:2379 is not an etcd v2 endpoint: the response body is empty (HTTP 200, empty body)")

        let proxy = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 502, body: "bad\ngateway")
        }
        #expect(proxy.description == #"http://127.0.0.1:2379 is not an etcd v2 endpoint: the response body is not JSON (HTTP 502 "bad\ngateway")"#)
    }

    @Test func bodyPrefixKeepsAtMost200BytesDecodedLossily() throws {
        let long = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 502, body: String(repeating: "x", count: 300))
        }
        #expect(long.bodyPrefix == String(repeating: "x", count: 200))

        let invalidUTF8 = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 502, bytes: [0xFF, 0x41, 0xC3])
        }
        #expect(invalidUTF8.bodyPrefix == "\u{FFFD}A\u{FFFD}")

        let cutMidCharacter = try #require(throws: EtcdResponseError.self) {
            try Self.decode(status: 404, bytes: Array(repeating: 0x61, count: 199) + Array("ü".utf8))
        }
        #expect(cutMidCharacter.bodyPrefix == String(repeating: "a", count: 199) + "\u{FFFD}")
    }
}
