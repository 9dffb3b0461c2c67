import CurlTransport
import Foundation
@testable import EtcdV2
import Testing

/// Successful answers, decoded from the bodies captured from etcd 3.4.23 (reference §3.10).
struct KeysResponseDecoderTests {
    static let endpoint = "http://127.0.0.1:2379"
    static let successHeaders = [
        HTTPHeader("Content-Type", "application/json"),
        HTTPHeader("X-Etcd-Cluster-Id", "411b36bbe90344d"),
        HTTPHeader("X-Etcd-Index", "4"),
        HTTPHeader("X-Raft-Index", "6"),
        HTTPHeader("X-Raft-Term", "2"),
    ]

    static func decode(_ body: String, status: Int = 200, headers: [HTTPHeader] = successHeaders) throws -> Response {
        try KeysResponseDecoder.decode(status: status, headers: headers, body: Array(body.utf8), endpoint: endpoint)
    }

    @Test func setCreatedWithAllHeaders() throws {
        let response = try Self.decode(
            #"{"action":"set","node":{"key":"/message","value":"Hello world","modifiedIndex":4,"createdIndex":4}}"# + "\n",
            status: 201)
        #expect(response == Response(
            action: .set,
            node: Node(key: "/message", value: "Hello world", createdIndex: 4, modifiedIndex: 4),
            index: 4, clusterID: "411b36bbe90344d", raftIndex: 6, raftTerm: 2))
    }

    @Test(arguments: [
        (#"{"action":"set","node":{"key":"/message","value":"Hello etcd","modifiedIndex":5,"createdIndex":5},"prevNode":{"key":"/message","value":"Hello world","modifiedIndex":4,"createdIndex":4}}"#,
         Action.set, Node(key: "/message", value: "Hello etcd", createdIndex: 5, modifiedIndex: 5),
         Node(key: "/message", value: "Hello world", createdIndex: 4, modifiedIndex: 4) as Node?),
        (#"{"action":"compareAndSwap","node":{"key":"/message","value":"swapped","modifiedIndex":6,"createdIndex":5},"prevNode":{"key":"/message","value":"Hello etcd","modifiedIndex":5,"createdIndex":5}}"#,
         .compareAndSwap, Node(key: "/message", value: "swapped", createdIndex: 5, modifiedIndex: 6),
         Node(key: "/message", value: "Hello etcd", createdIndex: 5, modifiedIndex: 5)),
        (#"{"action":"compareAndDelete","node":{"key":"/message","modifiedIndex":23,"createdIndex":5},"prevNode":{"key":"/message","value":"swapped","modifiedIndex":6,"createdIndex":5}}"#,
         .compareAndDelete, Node(key: "/message", createdIndex: 5, modifiedIndex: 23),
         Node(key: "/message", value: "swapped", createdIndex: 5, modifiedIndex: 6)),
        (#"{"action":"create","node":{"key":"/queue/00000000000000000021","value":"Job1","modifiedIndex":21,"createdIndex":21}}"#,
         .create, Node(key: "/queue/00000000000000000021", value: "Job1", createdIndex: 21, modifiedIndex: 21), nil),
        (#"{"action":"set","node":{"key":"/w/x","value":"1","modifiedIndex":25,"createdIndex":25}}"#,
         .set, Node(key: "/w/x", value: "1", createdIndex: 25, modifiedIndex: 25), nil),
        (#"{"action":"delete","node":{"key":"/w","dir":true,"modifiedIndex":28,"createdIndex":25},"prevNode":{"key":"/w","dir":true,"modifiedIndex":25,"createdIndex":25}}"#,
         .delete, Node(key: "/w", isDirectory: true, createdIndex: 25, modifiedIndex: 28),
         Node(key: "/w", isDirectory: true, createdIndex: 25, modifiedIndex: 25)),
        (#"{"action":"update","node":{"key":"/k","value":"","modifiedIndex":9,"createdIndex":8}}"#,
         .update, Node(key: "/k", value: "", createdIndex: 8, modifiedIndex: 9), nil),
        (#"{"action":"frobnicate","node":{"key":"/k","value":"v","modifiedIndex":1,"createdIndex":1}}"#,
         .unknown("frobnicate"), Node(key: "/k", value: "v", createdIndex: 1, modifiedIndex: 1), nil),
    ])
    func capturedEvents(body: String, action: Action, node: Node, prevNode: Node?) throws {
        let response = try Self.decode(body)
        #expect(response.action == action)
        #expect(response.node == node)
        #expect(response.prevNode == prevNode)
    }

    @Test func valueAbsentIsNotEmpty() throws {
        let deleted = try Self.decode(#"{"action":"delete","node":{"key":"/a","modifiedIndex":3,"createdIndex":2}}"#)
        #expect(deleted.node?.value == nil)
        let empty = try Self.decode(#"{"action":"get","node":{"key":"/a","value":"","modifiedIndex":3,"createdIndex":2}}"#)
        #expect(empty.node?.value == "")
    }

    @Test func recursiveSortedDirectory() throws {
        let body = #"{"action":"get","node":{"key":"/dir","dir":true,"nodes":[{"key":"/dir/a","value":"av","modifiedIndex":11,"createdIndex":11},{"key":"/dir/b","value":"bv","modifiedIndex":10,"createdIndex":10},{"key":"/dir/sub","dir":true,"nodes":[{"key":"/dir/sub/c","value":"cv","modifiedIndex":12,"createdIndex":12}],"modifiedIndex":12,"createdIndex":12}],"modifiedIndex":9,"createdIndex":9}}"#
        let response = try Self.decode(body, headers: [HTTPHeader("X-Etcd-Index", "13")])
        #expect(response.index == 13)
        let dir = try #require(response.node)
        #expect(dir.isDirectory && dir.value == nil && dir.key == "/dir" && dir.modifiedIndex == 9)
        #expect(dir.nodes?.map(\.key) == ["/dir/a", "/dir/b", "/dir/sub"])
        #expect(dir.nodes?[2].isDirectory == true)
        #expect(dir.nodes?[2].nodes == [Node(key: "/dir/sub/c", value: "cv", createdIndex: 12, modifiedIndex: 12)])
        #expect(dir.nodes?[0].nodes == nil)
    }

    @Test func rootListingHasNoKeyOrIndexes() throws {
        let response = try Self.decode(#"{"action":"get","node":{"dir":true,"nodes":[{"key":"/a","value":"1","modifiedIndex":2,"createdIndex":2}]}}"#)
        let root = try #require(response.node)
        #expect(root.key == "/")
        #expect(root.isDirectory)
        #expect(root.createdIndex == 0 && root.modifiedIndex == 0)
        #expect(root.nodes?.count == 1)
        let emptyRoot = try Self.decode(#"{"action":"get","node":{"dir":true}}"#)
        #expect(emptyRoot.node?.nodes == nil)
    }

    @Test func ttlNodeAndExpireEvent() throws {
        let set = try Self.decode(
            #"{"action":"set","node":{"key":"/ttlkey","value":"v","expiration":"2026-11-25T10:25:03.088530525Z","ttl":100,"modifiedIndex":15,"createdIndex":15}}"#,
            status: 201)
        #expect(set.node?.ttl == 100)
        let expiration = try #require(set.node?.expiration)
        #expect(abs(expiration.timeIntervalSince1970 - 1_795_602_303.088530525) < 1e-6)

        let expire = try Self.decode(
            #"{"action":"expire","node":{"key":"/exp","modifiedIndex":30,"createdIndex":29},"prevNode":{"key":"/exp","value":"soon","expiration":"2026-11-25T10:23:43.349161823Z","modifiedIndex":29,"createdIndex":29}}"#)
        #expect(expire.action == .expire)
        #expect(expire.node?.expiration == nil && expire.node?.ttl == nil && expire.node?.value == nil)
        #expect(expire.prevNode?.value == "soon")
        #expect(expire.prevNode?.expiration != nil)
    }

    @Test func refreshAnswersUpdate() throws {
        let response = try Self.decode(
            #"{"action":"update","node":{"key":"/ttlkey","value":"v","expiration":"2026-11-25T10:28:23.1Z","ttl":200,"modifiedIndex":16,"createdIndex":15},"prevNode":{"key":"/ttlkey","value":"v","expiration":"2026-11-25T10:25:03.088530525Z","ttl":100,"modifiedIndex":15,"createdIndex":15}}"#)
        #expect(response.action == .update)
        #expect(response.node?.ttl == 200 && response.prevNode?.ttl == 100)
        #expect(response.node?.createdIndex == response.prevNode?.createdIndex)
    }

    @Test func noValueOnSuccessHasNoNode() throws {
        let response = try Self.decode(#"{"action":"set"}"#, status: 201)
        #expect(response == Response(action: .set, index: 4, clusterID: "411b36bbe90344d", raftIndex: 6, raftTerm: 2))
    }

    @Test func largestIndexesDecode() throws {
        let response = try Self.decode(
            #"{"action":"get","node":{"key":"/a","value":"v","modifiedIndex":18446744073709551615,"createdIndex":18446744073709551614}}"#,
            headers: [HTTPHeader("X-Etcd-Index", "18446744073709551615")])
        #expect(response.node?.modifiedIndex == .max)
        #expect(response.node?.createdIndex == UInt64.max - 1)
        #expect(response.index == .max)
    }

    @Test(arguments: [
        ([], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "abc")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "-1")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "+5")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "1.5")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "0x10")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "18446744073709551616")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", " 7 ")], 7, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "0")], 0, nil, nil, nil),
        ([HTTPHeader("x-etcd-index", "9"), HTTPHeader("x-etcd-cluster-id", "abc")], 9, "abc", nil, nil),
        ([HTTPHeader("X-ETCD-CLUSTER-ID", "cdf818194e3a8c32")], nil, "cdf818194e3a8c32", nil, nil),
        ([HTTPHeader("X-Etcd-Cluster-Id", "")], nil, nil, nil, nil),
        ([HTTPHeader("X-Raft-Index", "53"), HTTPHeader("X-Raft-Term", "2")], nil, nil, 53, 2),
        ([HTTPHeader("X-Raft-Index", "x"), HTTPHeader("X-Raft-Term", "-2")], nil, nil, nil, nil),
        ([HTTPHeader("X-Etcd-Index", "24"), HTTPHeader("X-Etcd-Index", "99")], 24, nil, nil, nil),
    ] as [([HTTPHeader], UInt64?, String?, UInt64?, UInt64?)])
    func headerEdgeCases(headers: [HTTPHeader], index: UInt64?, clusterID: String?, raftIndex: UInt64?, raftTerm: UInt64?) throws {
        let response = try Self.decode(#"{"action":"get","node":{"key":"/a","value":"v"}}"#, headers: headers)
        #expect(response.index == index)
        #expect(response.clusterID == clusterID)
        #expect(response.raftIndex == raftIndex)
        #expect(response.raftTerm == raftTerm)
    }

    @Test func actionsReadFromBytesMatchTheirRawValues() throws {
        for name in ["get", "set", "create", "update", "delete", "expire", "compareAndSwap", "compareAndDelete",
                     "", "gets", "Set", "compareAndSwaps", "ünknown"] {
            let response = try Self.decode(#"{"action":""# + name + #""}"#)
            #expect(response.action == Action(rawValue: name))
            #expect(response.action.rawValue == name)
        }
        #expect(try Self.decode(#"{"action":"\u0067et"}"#).action == .get)
    }

    @Test func eachHeaderTakesItsFirstValue() throws {
        let headers = [
            HTTPHeader("Date", "x"), HTTPHeader("x-raft-term", "q"), HTTPHeader("X-Raft-Term", "3"),
            HTTPHeader("X-Etcd-Cluster-Id", ""), HTTPHeader("X-Etcd-Cluster-Id", "abc"),
            HTTPHeader("X-Raft-Index", " 12\t"), HTTPHeader("X-Etcd-Index", "5"), HTTPHeader("X-Etcd-Index", "6"),
            HTTPHeader("X_Etcd_Index", "7"), HTTPHeader("X-Etcd-Indey", "8"),
        ]
        let response = try Self.decode(#"{"action":"get"}"#, headers: headers)
        #expect(response.raftTerm == nil)
        #expect(response.clusterID == nil)
        #expect(response.raftIndex == 12)
        #expect(response.index == 5)
    }
}
