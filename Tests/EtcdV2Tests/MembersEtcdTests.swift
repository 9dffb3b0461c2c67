import EtcdTestSupport
@testable import EtcdV2
import Testing

/// The members API against real 3-member etcd clusters.
@Suite struct MembersEtcdTests {
    @Test func listAddJoinUpdateAndRemoveAMember() async throws {
        // Membership changes commit through raft and fsync: a generous header timeout, so a
        // loaded disk cannot turn a slow commit into an unknown outcome.
        try await withClient(members: 3, headerTimeout: .seconds(20)) { client, cluster in
            let before = try await client.members.list()
            #expect(before.count == 3)
            #expect(Set(before.map(\.name)) == ["m1", "m2", "m3"])
            #expect(Set(before.flatMap(\.clientURLs)) == Set(cluster.clientURLs))
            #expect(before.allSatisfy { $0.peerURLs.count == 1 && $0.hasStarted })
            #expect(before.allSatisfy { (try? MembersRequestBuilder.validateID($0.id)) != nil })

            // etcd's strict reconfiguration check refuses changes (500) until the member asked
            // has been connected to every peer for 5 s; an add of a taken peer URL, which can
            // never add anything, shows when that time is over (409).
            let taken = try await eventually("the taken peer URL refused with 409") { () -> EtcdMembersError? in
                do {
                    let added = try await client.members.add(peerURL: before[0].peerURLs[0])
                    Issue.record("added a member with a taken peer URL: \(added)")
                    return nil
                } catch let error as EtcdMembersError where error.kind == .serverError(500) {
                    return nil
                } catch let error as EtcdMembersError {
                    return error
                }
            }
            #expect(taken.kind == .conflict)
            #expect(taken.status == 409)
            #expect(taken.message == "membership: peerURL exists")
            let unknownRemove = await membersError { try await client.members.remove(id: "deadbeef") }
            #expect(unknownRemove?.kind == .memberNotFound)
            #expect(unknownRemove?.status == 404)
            let unknownUpdate = await membersError {
                try await client.members.update(id: "deadbeef", peerURLs: ["http://127.0.0.1:9"])
            }
            #expect(unknownUpdate?.kind == .memberNotFound)
            #expect(unknownUpdate?.status == 404)
            let badURL = await membersError { try await client.members.add(peerURL: "http://127.0.0.1:2380/x") }
            #expect(badURL?.kind == .invalidPeerURL)
            #expect(badURL?.status == nil)
            #expect(try await client.members.list().count == 3)

            try await cluster.withJoiningMember { joining in
                let added = try await client.members.add(peerURL: joining.peerURL)
                #expect(added.peerURLs == [joining.peerURL])
                #expect(added.name == "")
                #expect(added.clientURLs == [])
                let pending = try await client.members.list()
                #expect(pending.count == 4)
                #expect(pending.first { $0.id == added.id }?.hasStarted == false)

                try await joining.start()
                let joined = try await eventually("the new member reports client URLs") {
                    try await client.members.list().first { $0.id == added.id && $0.hasStarted }
                }
                #expect(joined.name == joining.name)
                #expect(joined.clientURLs == [joining.clientURL])

                // sync() picks the new member's client URL up.
                try await client.sync()
                #expect(Set(client.requester.state.endpoints) == Set(cluster.clientURLs + [joining.clientURL]))
                // Changes go to the old members: the new one refuses them until it has been
                // connected to its peers for 5 s (etcd's strict reconfiguration check).
                try client.setEndpoints(cluster.clientURLs)

                // The new member serves what the others wrote.
                _ = try await client.keys.set("/joined", value: "yes")
                let direct = try EtcdClient(configuration: .init(endpoints: [joining.clientURL]))
                let read = try await direct.keys.get("/joined", options: .init(quorum: true))
                await direct.shutdown()
                #expect(read.node?.value == "yes")

                // A new peer URL: etcd takes it; the member, restarted to listen there, is
                // healthy again only if the leader reaches it at the new URL.
                let newPeerURL = try joining.allocatePeerURL()
                try await client.members.update(id: added.id, peerURLs: [newPeerURL])
                #expect(try await client.members.list().first { $0.id == added.id }?.peerURLs == [newPeerURL])
                try await joining.restart(peerURL: newPeerURL)

                #expect(try await client.members.remove(id: added.id) == .removed)
                #expect(try await client.members.remove(id: added.id) == .alreadyRemoved)
                let after = try await client.members.list()
                #expect(Set(after.map(\.id)) == Set(before.map(\.id)))
                _ = try await eventually("the removed member stops itself") { joining.hasExited() ? true : nil }
                try await client.sync()
                #expect(Set(client.requester.state.endpoints) == Set(cluster.clientURLs))
            }
        }
    }

    @Test func leaderLookupFollowsALeaderChangeAndReportsNoLeader() async throws {
        try await withClient(members: 3) { client, cluster in
            let first = try await cluster.leader()
            let leader = try await client.members.leader()
            #expect(leader.clientURLs == [cluster.clientURL(first)])

            // prioritizeLeader mode pins the leader found through the members API.
            let pinning = try EtcdClient(
                configuration: .init(endpoints: cluster.clientURLs, selectionMode: .prioritizeLeader))
            await pinning.leaderLocator.wait()
            #expect(pinning.requester.state.pinnedEndpoint == cluster.clientURL(first))
            await pinning.shutdown()

            // Kill the leader: the survivors elect another, and the lookup finds it.
            try await cluster.kill(first)
            let next = try await eventually("a new leader") { () -> Member? in
                let found = try await client.members.leader()
                return found.id == leader.id ? nil : found
            }
            let second = try await cluster.leader()
            #expect(second != first)
            #expect(next.clientURLs == [cluster.clientURL(second)])

            // Kill that one too: the last member cannot win an election.
            try await cluster.kill(second)
            let survivor = try #require((0..<3).first { $0 != first && $0 != second })
            let noLeader = try await eventually("no leader") { () -> EtcdMembersError? in
                do {
                    _ = try await client.members.leader()
                    return nil
                } catch let error as EtcdMembersError {
                    return error
                }
            }
            #expect(noLeader.kind == .noLeader)
            #expect(noLeader.status == 503)
            #expect(noLeader.endpoint == cluster.clientURL(survivor))
            #expect(noLeader.message.hasPrefix("During election"))
        }
    }
}
