import Foundation

/// The part of etcd's `GET /v2/members` the harness reads.
private struct MemberList: Decodable {
    struct Member: Decodable {
        var id: String
        var name: String
    }

    var members: [Member]
}

extension EtcdCluster {
    /// Moves the leadership to member `target` (0-based) and returns once that member says it
    /// leads (`/v2/stats/self`) and the cluster is healthy. Does nothing if it leads already.
    ///
    /// etcd's v2 API cannot move a leader; this asks the current leader through the v3 JSON
    /// gateway (`POST /v3/maintenance/transfer-leadership`, what `etcdctl move-leader` does),
    /// so no other tool is needed.
    ///
    /// - Throws: ``EtcdHarnessError/noLeader(_:)`` if there is no leader, or the leadership has
    ///   not moved within 10 seconds.
    public func moveLeader(to target: Int) async throws {
        let leader = try await leader()
        guard leader != target else { return }
        let id = try await raftID(target)
        let reply = try await LoopbackHTTP.request(
            "POST", plainClientURL(leader) + "/v3/maintenance/transfer-leadership",
            body: #"{"targetID":"\#(id)"}"#, contentType: "application/json", timeout: .seconds(10))
        guard reply.status == 200 else {
            throw EtcdHarnessError.noLeader("transfer-leadership to member \(target): HTTP \(reply.status) \(reply.body)")
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? await self.leader()) == target {
                try await waitHealthy()
                return
            }
            try await Task.sleep(for: Self.pollInterval)
        }
        throw EtcdHarnessError.noLeader("the leadership did not move to member \(target) within 10 seconds")
    }

    /// Member `member`'s raft ID, as the v3 API takes it (decimal), read from `/v2/members`
    /// (which gives it in hex) on any live member.
    public func raftID(_ member: Int) async throws -> UInt64 {
        let name = layout.members[member].name
        var problems: [String] = []
        for index in liveMembers() {
            do {
                let reply = try await LoopbackHTTP.request("GET", plainClientURL(index) + "/v2/members")
                let list = try JSONDecoder().decode(MemberList.self, from: Data(reply.body.utf8))
                if let hex = list.members.first(where: { $0.name == name })?.id, let id = UInt64(hex, radix: 16) {
                    return id
                }
                problems.append("member \(index): no member named \(name) in \(reply.body.prefix(300))")
            } catch {
                problems.append("member \(index): \(error)")
            }
        }
        throw EtcdHarnessError.noLeader("no ID for member \(member): " + problems.joined(separator: "; "))
    }
}
