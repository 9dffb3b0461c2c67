import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Endpoint lists, sync, leader preference and the cluster-ID check, against real etcd.
struct ClusterClientEtcdTests {
    @Test func endpointsAreShuffledAndThePinIsSpread() async throws {
        let endpoints = ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]
        var counts: [String: Int] = [:]
        for _ in 0..<150 {
            let client = try EtcdClient(configuration: .init(endpoints: endpoints))
            counts[client.pinnedEndpoint, default: 0] += 1
            #expect(Set(client.endpoints) == Set(endpoints))
            await client.shutdown()
        }
        // 50 expected each; below 15 has a probability far under one in a million.
        #expect(counts.count == 3)
        #expect(counts.values.allSatisfy { $0 >= 15 })
        let ordered = try EtcdClient(configuration: .init(endpoints: endpoints, shuffleEndpoints: false))
        #expect(ordered.endpoints == endpoints)
        #expect(ordered.pinnedEndpoint == endpoints[0])
        await ordered.shutdown()
    }

    @Test func setEndpointsValidatesAndKeepsThePin() async throws {
        let client = try EtcdClient(configuration: .init(
            endpoints: ["http://127.0.0.1:1", "http://127.0.0.1:2"], shuffleEndpoints: false))
        defer { Task { await client.shutdown() } }
        #expect(throws: EtcdConfigurationError.self) { try client.setEndpoints([]) }
        #expect(throws: EtcdConfigurationError.self) { try client.setEndpoints(["127.0.0.1:3"]) }
        #expect(client.endpoints == ["http://127.0.0.1:1", "http://127.0.0.1:2"])
        try client.setEndpoints(["http://127.0.0.1:3/", "http://127.0.0.1:1", "http://127.0.0.1:3"])
        #expect(client.endpoints == ["http://127.0.0.1:3", "http://127.0.0.1:1"])  // validated, de-duplicated
        #expect(client.pinnedEndpoint == "http://127.0.0.1:1")  // still listed: still pinned
    }

    @Test func syncUsesTheMembersClientURLs() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let client = try EtcdClient(configuration: .init(endpoints: [cluster.clientURL(1)]))
            defer { Task { await client.shutdown() } }
            try await client.sync()
            #expect(Set(client.endpoints) == Set(cluster.clientURLs))
            #expect(client.pinnedEndpoint == cluster.clientURL(1))  // the pin survives a changed list
            _ = try await client.keys.set("/synced", value: "yes")
            #expect(try await client.keys.get("/synced").node?.value == "yes")
        }
    }

    @Test func aFailedSyncLeavesTheEndpoints() async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: #"{"members":[{"id":"1","name":"a","peerURLs":[],"clientURLs":[]}]}"#))
        defer { server.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url]))
        defer { Task { await client.shutdown() } }
        await #expect(throws: EtcdSyncError.self) { try await client.sync() }
        #expect(client.endpoints == [server.url])
    }

    @Test func autoSyncRunsThroughErrorsUntilCancelled() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let client = try EtcdClient(configuration: .init(
                endpoints: [cluster.clientURL(0)], headerTimeoutPerRequest: .milliseconds(500)))
            defer { Task { await client.shutdown() } }
            try await cluster.kill(0)
            let syncing = Task { await client.autoSync(every: .milliseconds(300)) }
            try await Task.sleep(for: .seconds(1))  // a few failed rounds
            #expect(client.endpoints == [cluster.clientURL(0)])
            try await cluster.restart(0)
            let deadline = ContinuousClock.now + .seconds(20)
            while client.endpoints.count < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Set(client.endpoints) == Set(cluster.clientURLs))
            let cancelled = ContinuousClock.now
            syncing.cancel()
            await syncing.value
            #expect(ContinuousClock.now - cancelled < .seconds(2))
        }
    }

    @Test func leaderModePinsTheLeaderAndFollowsItAfterFailover() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let leader = try await cluster.leader()
            let followerFirst = (1...2).map { cluster.clientURL((leader + $0) % 3) } + [cluster.clientURL(leader)]
            let client = try EtcdClient(configuration: .init(
                endpoints: followerFirst, headerTimeoutPerRequest: .seconds(1), selectionMode: .prioritizeLeader))
            defer { Task { await client.shutdown() } }
            await client.leaderLocator.wait()
            #expect(client.pinnedEndpoint == cluster.clientURL(leader))
            _ = try await client.keys.set("/l", value: "1")
            try await cluster.kill(leader)
            // The next request fails on the dead leader and moves on (a read: a write during the
            // election may time out with an unknown outcome); a lookup then pins the new leader.
            // A follower may serve that non-quorum read before it has applied the write (seen
            // in CI: key not found right after the leader died), so read until it has.
            let readable = ContinuousClock.now + .seconds(10)
            var value: String?
            while value != "1", ContinuousClock.now < readable {
                value = try? await client.keys.get("/l").node?.value
                if value != "1" { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(value == "1")
            // The leader is asked again each round: under load the survivors may hold a second
            // election, and the client follows the leader of the last lookup (seen in CI: pinned
            // to the member that led after the one the test had asked about first).
            var newLeader = try await cluster.leader()
            let deadline = ContinuousClock.now + .seconds(15)
            while client.pinnedEndpoint != cluster.clientURL(newLeader), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                _ = try? await client.keys.get("/l")
                await client.leaderLocator.wait()
                newLeader = try await cluster.leader()
            }
            #expect(newLeader != leader)
            #expect(client.pinnedEndpoint == cluster.clientURL(newLeader))
        }
    }

    @Test func anEndpointOfAnotherClusterIsRejected() async throws {
        try await withEtcdCluster(members: 1) { first in
            try await withEtcdCluster(members: 1) { second in
                let client = try EtcdClient(configuration: .init(
                    endpoints: [first.clientURL(0), second.clientURL(0)], shuffleEndpoints: false))
                defer { Task { await client.shutdown() } }
                _ = try await client.keys.set("/id", value: "first")
                let learnt = try #require(client.clusterID)
                try await first.kill(0)
                do {
                    _ = try await client.keys.get("/id")
                    Issue.record("expected the second cluster to be rejected")
                } catch let error as EtcdClusterError {
                    let mismatch = try #require(error.failures.compactMap { $0.error as? EtcdClusterMismatchError }.first)
                    #expect(mismatch.endpoint == second.clientURL(0))
                    #expect(mismatch.expected == learnt)
                    #expect(mismatch.received != learnt)
                }
                // A configured ID is checked from the first answer.
                let strict = try EtcdClient(configuration: .init(endpoints: [second.clientURL(0)], expectedClusterID: learnt))
                defer { Task { await strict.shutdown() } }
                await #expect(throws: EtcdClusterError.self) { try await strict.keys.get("/id") }
            }
        }
    }
}
