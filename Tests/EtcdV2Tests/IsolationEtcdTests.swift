import EtcdTestSupport
@testable import EtcdV2
import Testing

/// A member cut off from its peers while clients still reach it (the harness's peer proxy):
/// it keeps answering non-quorum reads with stale data and holds watches open without ever
/// delivering an event. The client's health probe finds it without a leader and moves both
/// to a healthy member within about `interval + probeTimeout`.
struct IsolationEtcdTests {
    /// The probe settings these tests use, and the bound they imply with room for a loaded
    /// machine (the etcd side needs up to about 1 s to notice it lost its leader).
    static let healthCheck = EtcdClient.HealthCheck(interval: .milliseconds(300), probeTimeout: .milliseconds(500))
    static let bound = Duration.seconds(6)

    /// A client pinned to a follower, the follower's index, and a writer on the other two.
    static func clients(_ cluster: EtcdCluster) async throws -> (client: EtcdClient, follower: Int, writer: EtcdClient) {
        let leader = try await cluster.leader()
        let follower = (leader + 1) % 3
        let others = (0..<3).filter { $0 != follower }.map(cluster.clientURL)
        let client = try EtcdClient(configuration: .init(
            endpoints: [cluster.clientURL(follower)] + others, headerTimeoutPerRequest: .seconds(1),
            shuffleEndpoints: false, healthCheck: healthCheck))
        let writer = try EtcdClient(configuration: .init(endpoints: others, shuffleEndpoints: false))
        return (client, follower, writer)
    }

    @Test func aWatchOnAnIsolatedMemberMovesWithoutLosingEvents() async throws {
        try await withEtcdCluster(members: 3, peerProxy: true) { cluster in
            let (client, follower, writer) = try await Self.clients(cluster)
            defer { Task { await client.shutdown(); await writer.shutdown() } }
            let start = try await client.keys.set("/iso/0", value: "0")
            let events = Task {
                var values: [String] = []
                for try await event in client.keys.watch("/iso", options: .init(afterIndex: start.index, recursive: true)) {
                    guard case .change(let response) = event, let value = response.node?.value else { continue }
                    values.append(value)
                    if values.count == 3 { break }
                }
                return values
            }
            _ = try await writer.keys.set("/iso/1", value: "1")
            try await Task.sleep(for: .milliseconds(200))  // the watch polls the follower again
            #expect(client.pinnedEndpoint == cluster.clientURL(follower))
            try cluster.isolate(follower)
            defer { try? cluster.heal(follower) }
            let isolated = ContinuousClock.now
            _ = try await writer.keys.set("/iso/2", value: "2")
            _ = try await writer.keys.set("/iso/3", value: "3")
            let values = try await value(of: events, within: .seconds(20))
            #expect(values == ["1", "2", "3"])
            #expect(ContinuousClock.now - isolated < Self.bound)
        }
    }

    @Test func aNonQuorumReadLeavesAnIsolatedMember() async throws {
        try await withEtcdCluster(members: 3, peerProxy: true) { cluster in
            let (client, follower, writer) = try await Self.clients(cluster)
            defer { Task { await client.shutdown(); await writer.shutdown() } }
            _ = try await writer.keys.set("/stale", value: "old")
            // Served by the pinned follower once it has the write.
            let applied = ContinuousClock.now + .seconds(10)
            while (try? await client.keys.get("/stale"))?.node?.value != "old" {  // not applied yet: 100
                try #require(ContinuousClock.now < applied, "the follower never served the write")
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(client.pinnedEndpoint == cluster.clientURL(follower))
            try cluster.isolate(follower)
            defer { try? cluster.heal(follower) }
            let isolated = ContinuousClock.now
            _ = try await writer.keys.set("/stale", value: "new")
            // The isolated follower still answers "old"; the client must stop asking it.
            var reads = 0
            while ContinuousClock.now - isolated < .seconds(20) {
                reads += 1
                if (try? await client.keys.get("/stale"))?.node?.value == "new" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let moved = ContinuousClock.now - isolated
            #expect(try await client.keys.get("/stale").node?.value == "new")
            #expect(client.pinnedEndpoint != cluster.clientURL(follower))
            #expect(moved < Self.bound, "stale reads for \(moved) (\(reads) reads)")
            print("isolation: non-quorum reads left the isolated member after \(moved.milliseconds) ms")
        }
    }
}
