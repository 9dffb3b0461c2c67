import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Real 3-member clusters broken while 1,000 compare-and-swap increments and a watch run
/// through them (``FaultWorkload``): nothing lost, nothing applied twice, every acknowledged
/// write seen by the watch once, and a bound on how long each fault stalls the writes.
///
/// Serialized: each test boots a cluster and writes through it as fast as it can; on two
/// shared cores several at once would measure the machine, not the client.
@Suite(.serialized) struct FaultScenarioEtcdTests {
    /// Bound on the stall a fault that leaves a quorum causes: a header timeout (1 s), an
    /// election (500 ms election timeout in the harness), a probe round (300 ms + 500 ms), and
    /// generous room for a loaded machine. The figures printed are the measured ones.
    static let recoveryBound = Duration.seconds(8)

    /// Endpoints with `pinned` first, then the others in member order.
    static func endpoints(_ cluster: EtcdCluster, pinned: Int) -> [String] {
        [cluster.clientURL(pinned)] + (0..<cluster.memberCount).filter { $0 != pinned }.map(cluster.clientURL)
    }

    /// Runs the workload with `victim` pinned; `inject` breaks the cluster after 300
    /// increments, `heal` mends it 2 seconds later. Returns the time from the fault to the next
    /// acknowledged increment.
    static func scenario(
        _ name: String, peerProxy: Bool = false, victim: @escaping @Sendable (EtcdCluster) async throws -> Int,
        inject: @escaping @Sendable (EtcdCluster, Int) async throws -> Void,
        heal: @escaping @Sendable (EtcdCluster, Int) async throws -> Void
    ) async throws {
        try await withEtcdCluster(members: 3, peerProxy: peerProxy) { cluster in
            let member = try await victim(cluster)
            let client = try faultTestClient(endpoints: endpoints(cluster, pinned: member))
            defer { Task { await client.shutdown() } }
            let injected = Moment()
            let report = try await FaultWorkload(client: client).run { progress in
                try await progress.wait(for: 300)
                try await inject(cluster, member)
                injected.mark()
                try await Task.sleep(for: .seconds(2))
                try await heal(cluster, member)
            }
            let at = try #require(injected.instant)
            let recovery = report.firstAcknowledgement(after: at)
            record(name, report, recovery: recovery)
            #expect(try #require(recovery) < recoveryBound)
        }
    }

    static func follower(_ cluster: EtcdCluster) async throws -> Int { (try await cluster.leader() + 1) % 3 }
    static func leader(_ cluster: EtcdCluster) async throws -> Int { try await cluster.leader() }

    @Test func killOfThePinnedFollower() async throws {
        try await Self.scenario(
            "kill -9 pinned follower", victim: Self.follower,
            inject: { try await $0.kill($1) }, heal: { try await $0.restart($1) })
    }

    @Test func killOfThePinnedLeader() async throws {
        try await Self.scenario(
            "kill -9 pinned leader", victim: Self.leader,
            inject: { try await $0.kill($1) }, heal: { try await $0.restart($1) })
    }

    @Test func stopOfThePinnedFollower() async throws {
        try await Self.scenario(
            "SIGSTOP pinned follower", victim: Self.follower,
            inject: { try $0.pause($1) }, heal: { try $0.resume($1) })
    }

    @Test func stopOfThePinnedLeader() async throws {
        try await Self.scenario(
            "SIGSTOP pinned leader", victim: Self.leader,
            inject: { try $0.pause($1) }, heal: { try $0.resume($1) })
    }

    @Test func restartOfThePinnedLeader() async throws {
        // Killed and started again at once: the writes wait for it or for a new leader.
        try await Self.scenario(
            "restart pinned leader", victim: Self.leader,
            inject: { try await $0.restart($1) }, heal: { _, _ in })
    }

    @Test func leaderChangesDuringTheWrites() async throws {
        // The leadership moves away from the pinned leader, and back, while writes go on.
        try await Self.scenario(
            "leader moved twice", victim: Self.leader,
            inject: { cluster, member in try await cluster.moveLeader(to: (member + 1) % 3) },
            heal: { cluster, member in try await cluster.moveLeader(to: member) })
    }

    @Test func isolationOfThePinnedFollower() async throws {
        // Cut off from its peers, still reachable: writes there time out, the probe finds it
        // without a leader, and the watch it held goes on elsewhere.
        try await Self.scenario(
            "pinned follower isolated from its peers", peerProxy: true, victim: Self.follower,
            inject: { try $0.isolate($1) }, heal: { try $0.heal($1) })
    }

    @Test func isolationOfThePinnedLeader() async throws {
        try await Self.scenario(
            "pinned leader isolated from its peers", peerProxy: true, victim: Self.leader,
            inject: { try $0.isolate($1) }, heal: { try $0.heal($1) })
    }

    @Test func allMembersDownThenBack() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let client = try faultTestClient(endpoints: cluster.clientURLs)
            defer { Task { await client.shutdown() } }
            let back = Moment()
            let report = try await FaultWorkload(client: client).run { progress in
                try await progress.wait(for: 300)
                for member in 0..<3 { try await cluster.kill(member) }
                // A call while all are down fails fast, naming every member (after the first
                // such call each is cooling, so it costs at most one attempt).
                for _ in 0..<3 {
                    let start = ContinuousClock.now
                    let error = await #expect(throws: EtcdClusterError.self) { try await client.keys.get("/fault/counter") }
                    #expect(ContinuousClock.now - start < .seconds(2))
                    #expect(Set(error?.failures.map(\.endpoint) ?? []) == Set(cluster.clientURLs))
                }
                try await Task.sleep(for: .seconds(2))
                try await cluster.restart(Array(0..<3))
                back.mark()
            }
            let at = try #require(back.instant)
            let recovery = report.firstAcknowledgement(after: at)
            record("all members down, then back", report, recovery: recovery)
            #expect(try #require(recovery) < Self.recoveryBound)
        }
    }
}
