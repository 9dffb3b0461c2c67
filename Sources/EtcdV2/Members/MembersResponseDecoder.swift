/// Turns members API answers into values or typed errors, by HTTP status and body structure
/// (an etcd members error is a JSON object with a `message`), never by the message's text.
///
/// | call | success | errors |
/// |---|---|---|
/// | list | 200 `{"members":[…]}` (`{}` or `null` list: empty) | |
/// | leader | 200 member | 503 → ``EtcdMembersError/Kind/noLeader`` |
/// | add | 201 member | 409 → `conflict`, 400/415 → `badRequest` |
/// | update | 204 | 404 → `memberNotFound`, 409 → `conflict` |
/// | remove | 204 → ``MemberRemoval/removed``, 410 → ``MemberRemoval/alreadyRemoved`` | 404 → `memberNotFound` |
/// | any | | 401 → `unauthorized`; other 5xx → `serverError`; a body that is not etcd's → ``EtcdResponseError`` |
enum MembersResponseDecoder {
    /// The calls, for the status table.
    enum Call: Sendable, Equatable {
        case list, leader, add, update, remove
    }

    struct List: Decodable {
        var members: [Member]?
    }

    static func members(status: Int, body: [UInt8], endpoint: String) throws -> [Member] {
        guard status == 200 else { throw error(for: .list, status: status, body: body, endpoint: endpoint) }
        return try AdminBody.decode(List.self, from: body, status: status, endpoint: endpoint, what: "a member list")
            .members ?? []
    }

    static func member(_ call: Call, status: Int, body: [UInt8], endpoint: String) throws -> Member {
        let expected = call == .add ? 201 : 200
        guard status == expected else { throw error(for: call, status: status, body: body, endpoint: endpoint) }
        return try AdminBody.decode(Member.self, from: body, status: status, endpoint: endpoint, what: "a member")
    }

    static func updated(status: Int, body: [UInt8], endpoint: String) throws {
        guard status == 204 else { throw error(for: .update, status: status, body: body, endpoint: endpoint) }
    }

    static func removal(status: Int, body: [UInt8], endpoint: String) throws -> MemberRemoval {
        switch status {
        case 204: return .removed
        case 410 where AdminErrorBody.message(in: body) != nil: return .alreadyRemoved
        default: throw error(for: .remove, status: status, body: body, endpoint: endpoint)
        }
    }

    /// The error for an answer that is not the call's success.
    static func error(for call: Call, status: Int, body: [UInt8], endpoint: String) -> any Error & Sendable {
        guard let message = AdminErrorBody.message(in: body) else {
            return AdminBody.notAnAnswer(status: status, body: body, endpoint: endpoint)
        }
        let kind: EtcdMembersError.Kind
        switch (status, call) {
        case (401, _): kind = .unauthorized
        case (400, _), (415, _): kind = .badRequest
        case (404, .update), (404, .remove): kind = .memberNotFound
        case (409, .add), (409, .update): kind = .conflict
        case (503, .leader): kind = .noLeader
        case (500..., _): kind = .serverError(status)
        default: kind = .unexpectedStatus(status)
        }
        return EtcdMembersError(kind: kind, message: message, endpoint: endpoint, status: status)
    }

    /// ``EtcdMembersError/Kind/noLeader`` when every member that answered `/v2/members/leader`
    /// said 503 with an etcd error body (`During election`), and at least one answered; the
    /// others could not be reached. `nil` when any member gave another answer.
    static func noLeader(from error: EtcdClusterError) -> EtcdMembersError? {
        guard let answers = everyAnswer(in: error, where: { $0 == 503 }), let first = answers.first else { return nil }
        return EtcdMembersError(
            kind: .noLeader, message: describe(answers, first.message + ": no leader", unreachable: error),
            endpoint: first.endpoint, status: 503)
    }

    /// ``EtcdMembersError/Kind/serverError(_:)`` when every member that answered an update or
    /// a remove (sent to each in turn, since repeating them changes nothing) said 5xx with an
    /// etcd error body, and at least one answered: etcd refused the change everywhere, e.g. by
    /// its reconfiguration check. `nil` when any member gave another answer.
    static func changeRefused(from error: EtcdClusterError) -> EtcdMembersError? {
        guard let answers = everyAnswer(in: error, where: { $0 >= 500 }), let first = answers.first else { return nil }
        return EtcdMembersError(
            kind: .serverError(first.status), message: describe(answers, first.message, unreachable: error),
            endpoint: first.endpoint, status: first.status)
    }

    /// The members' etcd error answers in `error`, if each failure is one with a status that
    /// `matches` or a member that could not be reached; `nil` otherwise.
    private static func everyAnswer(
        in error: EtcdClusterError, where matches: (Int) -> Bool
    ) -> [(endpoint: String, status: Int, message: String)]? {
        var answers: [(endpoint: String, status: Int, message: String)] = []
        for failure in error.failures {
            if let response = failure.error as? EtcdResponseError {
                let status = response.status
                guard matches(status),
                    let message = AdminErrorBody.message(in: Array(response.bodyPrefix.utf8))
                else { return nil }
                answers.append((failure.endpoint, status, message))
            } else if failure.error is EtcdMembersError || failure.error is EtcdError {
                return nil
            }
        }
        return answers
    }

    private static func describe(
        _ answers: [(endpoint: String, status: Int, message: String)], _ message: String, unreachable error: EtcdClusterError
    ) -> String {
        var text = "\(message), according to \(answers.map(\.endpoint).joined(separator: ", "))"
        let unreachable = error.failures.count - answers.count
        if unreachable > 0 { text += "; \(unreachable) member(s) unreachable" }
        return text
    }
}
