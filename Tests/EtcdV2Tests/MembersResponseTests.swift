@testable import EtcdV2
import Testing

/// Members answers as etcd 3.4 sends them (reference §3.7), decoded and classified.
struct MembersResponseTests {
    let endpoint = "http://127.0.0.1:2379"

    @Test func decodesMembers() throws {
        let body = Array(
            #"""
            {"members":[{"id":"8e9e05c52164694d","name":"m1","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["http://127.0.0.1:2379"]},\#
            {"id":"602d1f20343d17e0","name":"","peerURLs":["http://127.0.0.1:32390"],"clientURLs":[]}]}
            """#.utf8)
        let members = try MembersResponseDecoder.members(status: 200, body: body, endpoint: endpoint)
        #expect(
            members == [
                Member(
                    id: "8e9e05c52164694d", name: "m1", peerURLs: ["http://127.0.0.1:2380"],
                    clientURLs: ["http://127.0.0.1:2379"]),
                Member(id: "602d1f20343d17e0", name: "", peerURLs: ["http://127.0.0.1:32390"], clientURLs: []),
            ])
        #expect(members.map(\.hasStarted) == [true, false])
        for empty in ["{}", #"{"members":null}"#, #"{"members":[]}"#] {
            #expect(try MembersResponseDecoder.members(status: 200, body: Array(empty.utf8), endpoint: endpoint) == [])
        }
        let sparse = try MembersResponseDecoder.member(
            .add, status: 201, body: Array(#"{"id":"1","peerURLs":null}"#.utf8), endpoint: endpoint)
        #expect(sparse == Member(id: "1", name: "", peerURLs: [], clientURLs: []))
    }

    @Test func memberIsCodableInEtcdsShape() throws {
        let member = Member(id: "a", name: "m", peerURLs: ["http://p:1"], clientURLs: ["http://c:2"])
        let encoded = AdminRequest.encode(member)
        #expect(
            String(decoding: encoded, as: UTF8.self)
                == #"{"clientURLs":["http://c:2"],"id":"a","name":"m","peerURLs":["http://p:1"]}"#)
        #expect(try MembersResponseDecoder.member(.leader, status: 200, body: encoded, endpoint: endpoint) == member)
    }

    @Test func removal() throws {
        #expect(try MembersResponseDecoder.removal(status: 204, body: [], endpoint: endpoint) == .removed)
        let gone = Array(#"{"message":"Member permanently removed: 602d1f20343d17e0"}"#.utf8)
        #expect(try MembersResponseDecoder.removal(status: 410, body: gone, endpoint: endpoint) == .alreadyRemoved)
        #expect(throws: EtcdResponseError.self) {
            try MembersResponseDecoder.removal(status: 410, body: Array("gone".utf8), endpoint: endpoint)
        }
    }

    @Test(arguments: [
        (MembersResponseDecoder.Call.add, 409, "membership: peerURL exists", EtcdMembersError.Kind.conflict),
        (.add, 409, "membership: ID exists", .conflict),
        (.update, 409, "membership: peerURL exists", .conflict),
        (.update, 404, "No such member: 1", .memberNotFound),
        (.remove, 404, "No such member: 1", .memberNotFound),
        (.add, 400, "URL scheme must be http, https, unix, or unixs: notaurl", .badRequest),
        (.add, 415, "Bad Content-Type application/x-www-form-urlencoded, accept application/json", .badRequest),
        (.add, 401, "Insufficient credentials", .unauthorized),
        (.remove, 401, "Insufficient credentials", .unauthorized),
        (.leader, 503, "During election", .noLeader),
        (.add, 500, "Internal Server Error", .serverError(500)),
        (.remove, 503, "anything", .serverError(503)),
        (.list, 404, "Not found", .unexpectedStatus(404)),
        (.remove, 409, "x", .unexpectedStatus(409)),
    ])
    func classifiesByStatusAndCall(
        call: MembersResponseDecoder.Call, status: Int, message: String, kind: EtcdMembersError.Kind
    ) {
        let body = AdminRequest.encode(["message": message])
        let error = MembersResponseDecoder.error(for: call, status: status, body: body, endpoint: endpoint)
        #expect(
            error as? EtcdMembersError
                == EtcdMembersError(kind: kind, message: message, endpoint: endpoint, status: status))
    }

    @Test(arguments: [
        (404, "404 page not found\n", EtcdResponseError.Kind.v2Disabled),
        (409, "", .unexpectedStatus(409)),
        (502, "<html>bad gateway</html>", .unexpectedStatus(502)),
        (409, #"{"errorCode":1}"#, .unexpectedStatus(409)),
    ])
    func bodiesThatAreNotEtcdsAreResponseErrors(status: Int, body: String, kind: EtcdResponseError.Kind) {
        let error = MembersResponseDecoder.error(for: .add, status: status, body: Array(body.utf8), endpoint: endpoint)
        #expect((error as? EtcdResponseError)?.kind == kind)
    }

    @Test func successBodiesThatDoNotDecodeAreInvalid() {
        for body in ["", "null", #"{"members":[{"name":"no id"}]}"#, "<html>"] {
            #expect {
                try MembersResponseDecoder.members(status: 200, body: Array(body.utf8), endpoint: endpoint)
            } throws: {
                ($0 as? EtcdResponseError)?.kind == .invalidBody
            }
        }
        // An add is answered with 201; a bodiless 200 is not etcd's answer.
        #expect { try MembersResponseDecoder.member(.add, status: 200, body: [], endpoint: endpoint) } throws: {
            ($0 as? EtcdResponseError)?.kind == .unexpectedStatus(200)
        }
    }

    // MARK: - No leader, from the failures of every member

    static let election = Array(#"{"message":"During election"}"#.utf8)

    func answered(_ status: Int, _ body: [UInt8], at endpoint: String) -> EtcdClusterError.Failure {
        EtcdClusterError.Failure(
            endpoint: endpoint,
            error: EtcdResponseError(
                kind: .unexpectedStatus(status), endpoint: endpoint, status: status, detail: "", body: body))
    }

    func unreachable(_ endpoint: String) -> EtcdClusterError.Failure {
        EtcdClusterError.Failure(
            endpoint: endpoint, error: EtcdEndpointUnhealthyError(endpoint: endpoint, lastFailure: nil))
    }

    @Test func noLeaderWhenEveryAnswerIsAnElection() throws {
        let all = EtcdClusterError(failures: [
            answered(503, Self.election, at: "http://a:1"), answered(503, Self.election, at: "http://b:1"),
        ])
        let error = try #require(MembersResponseDecoder.noLeader(from: all))
        #expect(error.kind == .noLeader)
        #expect(error.endpoint == "http://a:1")
        #expect(error.status == 503)
        #expect(error.message == "During election: no leader, according to http://a:1, http://b:1")

        let some = EtcdClusterError(failures: [
            unreachable("http://a:1"), answered(503, Self.election, at: "http://b:1"), unreachable("http://c:1"),
        ])
        #expect(
            MembersResponseDecoder.noLeader(from: some)?.message
                == "During election: no leader, according to http://b:1; 2 member(s) unreachable")
    }

    @Test func notNoLeaderOtherwise() {
        let cases: [[EtcdClusterError.Failure]] = [
            [],
            [unreachable("http://a:1")],
            [answered(503, Self.election, at: "http://a:1"), answered(500, Self.election, at: "http://b:1")],
            [answered(503, Array("<html>503</html>".utf8), at: "http://a:1")],
            [
                answered(503, Self.election, at: "http://a:1"),
                .init(endpoint: "http://b:1", error: EtcdError(code: .raftInternal, message: "x")),
            ],
        ]
        for failures in cases {
            #expect(MembersResponseDecoder.noLeader(from: EtcdClusterError(failures: failures)) == nil)
        }
    }

    @Test func aChangeRefusedByEveryMemberThatAnsweredIsAServerError() throws {
        let refused = Array(#"{"message":"Internal Server Error"}"#.utf8)
        let all = EtcdClusterError(failures: [
            answered(500, refused, at: "http://a:1"), unreachable("http://b:1"), answered(503, refused, at: "http://c:1"),
        ])
        let error = try #require(MembersResponseDecoder.changeRefused(from: all))
        #expect(error.kind == .serverError(500))
        #expect(error.endpoint == "http://a:1")
        #expect(error.status == 500)
        #expect(error.message == "Internal Server Error, according to http://a:1, http://c:1; 1 member(s) unreachable")

        let notRefusals: [[EtcdClusterError.Failure]] = [
            [],
            [unreachable("http://a:1")],
            [answered(500, refused, at: "http://a:1"), answered(404, refused, at: "http://b:1")],
            [answered(502, Array("<html>bad gateway</html>".utf8), at: "http://a:1")],
            [
                answered(500, refused, at: "http://a:1"),
                .init(endpoint: "http://b:1", error: EtcdError(code: .raftInternal, message: "x")),
            ],
        ]
        for failures in notRefusals {
            #expect(MembersResponseDecoder.changeRefused(from: EtcdClusterError(failures: failures)) == nil)
        }
    }
}
