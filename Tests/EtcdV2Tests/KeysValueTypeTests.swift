import Foundation
@testable import EtcdV2
import Testing

/// Action, error codes, EtcdError, Node's Codable shape and RFC 3339 timestamps.
struct KeysValueTypeTests {
    @Test(arguments: [
        ("get", Action.get), ("set", .set), ("create", .create), ("update", .update), ("delete", .delete),
        ("compareAndSwap", .compareAndSwap), ("compareAndDelete", .compareAndDelete), ("expire", .expire),
        ("refresh", .unknown("refresh")), ("Set", .unknown("Set")), ("", .unknown("")),
    ])
    func actionsMapEtcdStrings(raw: String, action: Action) throws {
        #expect(Action(rawValue: raw) == action)
        #expect(action.rawValue == raw)
        #expect(action.description == raw)
        let encoded = try JSONEncoder().encode(action)
        #expect(String(decoding: encoded, as: UTF8.self) == "\"\(raw)\"")
        #expect(try JSONDecoder().decode(Action.self, from: encoded) == action)
    }

    @Test func unknownSpellingOfAKnownActionEqualsIt() {
        #expect(Action.unknown("set") == .set)
        #expect(Set([Action.unknown("set"), .set]).count == 1)
        #expect(Action.unknown("x") != .unknown("y"))
    }

    @Test(arguments: [
        (EtcdError.Code.keyNotFound, 100, "keyNotFound"), (.testFailed, 101, "testFailed"),
        (.notFile, 102, "notFile"), (.noMorePeer, 103, "noMorePeer"), (.notDir, 104, "notDir"),
        (.nodeExist, 105, "nodeExist"), (.keyIsPreserved, 106, "keyIsPreserved"), (.rootROnly, 107, "rootROnly"),
        (.dirNotEmpty, 108, "dirNotEmpty"), (.existingPeerAddr, 109, "existingPeerAddr"),
        (.unauthorized, 110, "unauthorized"), (.valueRequired, 200, "valueRequired"),
        (.prevValueRequired, 201, "prevValueRequired"), (.ttlNaN, 202, "ttlNaN"), (.indexNaN, 203, "indexNaN"),
        (.valueOrTTLRequired, 204, "valueOrTTLRequired"), (.timeoutNaN, 205, "timeoutNaN"),
        (.nameRequired, 206, "nameRequired"), (.indexOrValueRequired, 207, "indexOrValueRequired"),
        (.indexValueMutex, 208, "indexValueMutex"), (.invalidField, 209, "invalidField"),
        (.invalidForm, 210, "invalidForm"), (.refreshValue, 211, "refreshValue"),
        (.refreshTTLRequired, 212, "refreshTTLRequired"), (.raftInternal, 300, "raftInternal"),
        (.leaderElect, 301, "leaderElect"), (.watcherCleared, 400, "watcherCleared"),
        (.eventIndexCleared, 401, "eventIndexCleared"), (.standbyInternal, 402, "standbyInternal"),
        (.invalidActiveSize, 403, "invalidActiveSize"), (.invalidRemoveDelay, 404, "invalidRemoveDelay"),
        (.clientInternal, 500, "clientInternal"),
    ])
    func everyV2CodeHasItsGoName(code: EtcdError.Code, raw: Int, name: String) {
        #expect(code.rawValue == raw)
        #expect(EtcdError.Code(rawValue: raw) == code)
        #expect(code.name == name)
        #expect(code.isKnown)
        #expect(code.description == "\(raw) (\(name))")
        #expect(EtcdError.Code.allKnown.contains(code))
    }

    @Test(arguments: [0, 99, 111, 213, 302, 405, 501, -1])
    func unknownCodesArePreserved(raw: Int) throws {
        let code = EtcdError.Code(rawValue: raw)
        #expect(code.rawValue == raw)
        #expect(code.name == nil)
        #expect(!code.isKnown)
        #expect(code.description == "\(raw) (unknown)")
        #expect(try JSONDecoder().decode(EtcdError.Code.self, from: Data("\(raw)".utf8)) == code)
    }

    @Test func allKnownListsEveryCodeInOrder() {
        #expect(EtcdError.Code.allKnown.count == 32)
        #expect(EtcdError.Code.allKnown.map(\.rawValue) == EtcdError.Code.allKnown.map(\.rawValue).sorted())
    }

    @Test(arguments: [
        (EtcdError.Code.keyNotFound, \EtcdError.isKeyNotFound), (.testFailed, \.isTestFailed),
        (.notFile, \.isNotFile), (.notDir, \.isNotDirectory), (.nodeExist, \.isNodeExist),
        (.rootROnly, \.isRootReadOnly), (.dirNotEmpty, \.isDirectoryNotEmpty), (.unauthorized, \.isUnauthorized),
        (.raftInternal, \.isRaftError), (.leaderElect, \.isRaftError),
        (.eventIndexCleared, \.isEventIndexCleared), (.watcherCleared, \.isWatcherCleared),
        (.ttlNaN, \.isInvalidRequest), (.refreshTTLRequired, \.isInvalidRequest),
    ] as [(EtcdError.Code, any KeyPath<EtcdError, Bool> & Sendable)])
    func conveniencesMatchTheirCodeOnly(code: EtcdError.Code, check: any KeyPath<EtcdError, Bool> & Sendable) {
        #expect(EtcdError(code: code, message: "m")[keyPath: check])
        #expect(!EtcdError(code: EtcdError.Code(rawValue: 999), message: "m")[keyPath: check])
    }

    @Test(arguments: [
        (EtcdError(code: .keyNotFound, message: "Key not found", cause: "/foo", index: 7),
         "etcd error 100 (keyNotFound): Key not found (/foo) [index 7]"),
        (EtcdError(code: .raftInternal, message: "Raft Internal Error", cause: nil, index: 0),
         "etcd error 300 (raftInternal): Raft Internal Error [index 0]"),
        (EtcdError(code: EtcdError.Code(rawValue: 999), message: "New", cause: "", index: 1),
         "etcd error 999: New [index 1]"),
    ])
    func etcdErrorDescriptions(error: EtcdError, description: String) {
        #expect(error.description == description)
    }

    @Test func etcdErrorEncodesEtcdsShape() throws {
        let error = EtcdError(code: .keyNotFound, message: "Key not found", cause: "/foo", index: 7)
        let data = try JSONEncoder().encode(error)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["errorCode"] as? Int == 100)
        #expect(try JSONDecoder().decode(EtcdError.self, from: data) == error)
    }

    @Test func nodeRoundTripsThroughEtcdsJSON() throws {
        let expiration = try #require(RFC3339.date(from: "2026-11-25T10:25:03.088530525Z"))
        let node = Node(
            key: "/dir", isDirectory: true,
            nodes: [
                Node(key: "/dir/a", value: "", createdIndex: 2, modifiedIndex: 3),
                Node(key: "/dir/t", value: "v", createdIndex: 4, modifiedIndex: 4, expiration: expiration, ttl: 100),
            ],
            createdIndex: 1, modifiedIndex: 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(node)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""dir":true"#))
        #expect(text.contains(#""value":"""#))
        #expect(text.contains(#""expiration":"2026-11-25T10:25:03.08853"#))
        #expect(!text.contains(#""dir":false"#))
        #expect(try JSONDecoder().decode(Node.self, from: data) == node)

        let file = try encoder.encode(Node(key: "/f", value: "x"))
        #expect(String(decoding: file, as: UTF8.self) == #"{"createdIndex":0,"key":"\/f","modifiedIndex":0,"value":"x"}"#)
    }

    @Test func responseRoundTrips() throws {
        let response = Response(
            action: .compareAndSwap, node: Node(key: "/a", value: "2"), prevNode: Node(key: "/a", value: "1"),
            index: 9, clusterID: "abc", raftIndex: 10, raftTerm: 2)
        #expect(try JSONDecoder().decode(Response.self, from: JSONEncoder().encode(response)) == response)
    }

    @Test(arguments: [
        ("2026-11-25T11:02:03Z", 1_795_604_523.0),
        ("2026-11-25T11:02:03.5Z", 1_795_604_523.5),
        ("2026-11-25T11:02:03.123456789Z", 1_795_604_523.123456789),
        ("2026-11-25T11:02:03.1234567891234Z", 1_795_604_523.123456789),
        ("2026-11-25t11:02:03z", 1_795_604_523.0),
        ("2026-11-25T12:02:03+01:00", 1_795_604_523.0),
        ("2026-11-25T08:32:03-02:30", 1_795_604_523.0),
        ("2024-02-29T23:59:59Z", 1_709_251_199.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("1969-12-31T23:59:59Z", -1.0),
        ("2000-01-01T00:00:00Z", 946_684_800.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
        ("9999-12-31T23:59:59Z", 253_402_300_799.0),
    ])
    func parsesRFC3339(text: String, unixTime: Double) throws {
        let date = try #require(RFC3339.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - unixTime) < 1e-6)
    }

    @Test(arguments: [
        "", "2026-11-25", "2026-11-25T11:02:03", "2026-11-25 11:02:03Z", "2026-11-25T11:02:03.Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-11-25T24:00:00Z", "2026-11-25T11:60:00Z", "2026-11-25T11:02:60Z", "2026-11-25T11:02:03Zjunk",
        "2026-11-25T11:02:03+0100", "2026-11-25T11:02:03+24:00", "26-11-25T11:02:03Z", "yesterday",
        "2026-11-25T11:02:03.123456789", "+2026-11-25T11:02:03Z",
    ])
    func rejectsWhatIsNotRFC3339(text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_795_604_523.5, "2026-11-25T11:02:03.5Z"),
        (1_795_604_523.25, "2026-11-25T11:02:03.25Z"),
        (-1.0, "1969-12-31T23:59:59Z"),
        (-0.5, "1969-12-31T23:59:59.5Z"),
        (1_709_251_199.0, "2024-02-29T23:59:59Z"),
        (-62_135_596_800.0, "0001-01-01T00:00:00Z"),
    ])
    func formatsLikeGo(unixTime: Double, text: String) {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: unixTime)) == text)
    }

    @Test func formattingRoundTripsAndRefusesYearsRFC3339CannotWrite() throws {
        for text in ["2026-11-25T10:25:03.088530525Z", "2026-11-25T10:30:09.426698644Z", "2001-01-01T00:00:00.000001Z"] {
            let date = try #require(RFC3339.date(from: text))
            let formatted = try #require(RFC3339.string(from: date))
            #expect(RFC3339.date(from: formatted) == date)
        }
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 253_402_300_800)) == nil)
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -62_167_219_201)) == nil)
        #expect(RFC3339.string(from: .distantFuture) == "4001-01-01T00:00:00Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1e13)) == nil)
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: .nan)) == nil)
    }
}
