@testable import EtcdV2
import Testing

/// ``ClusterState/plan(at:)`` serves the common case (nothing cooling down) from a kept
/// round-robin order; every plan must still be what ``FailoverPolicy/plan(pinned:cooldownLeft:)``
/// decides for the same state, whatever moved the pin or the endpoint list in between.
struct ClusterStatePlanTests {
    private struct Failure: Error {}

    private static let endpoints = ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]

    private func state() -> ClusterState {
        ClusterState(
            endpoints: Self.endpoints,
            healthCheck: EtcdClient.HealthCheck(cooldown: .seconds(1), maxCooldown: .seconds(2)),
            clusterID: nil)
    }

    @Test func eachPlanFollowsThePinAndTheCooldowns() {
        let cluster = state()
        let now = MonotonicInstant.now
        #expect(cluster.plan(at: now).plan == .init(order: [0, 1, 2], skipped: []))
        #expect(cluster.plan(at: now).plan == .init(order: [0, 1, 2], skipped: []), "the kept order, again")

        // A success elsewhere moves the pin: the kept order must not outlive it.
        cluster.recordSuccess(Self.endpoints[2], plannedAt: cluster.plan(at: now).pinGeneration)
        #expect(cluster.plan(at: now).plan == .init(order: [2, 0, 1], skipped: []))

        // A cooling endpoint: the policy's full plan (the last resort last), then the kept
        // order again once the cooldown is over.
        cluster.recordFailure(Self.endpoints[0], Failure(), at: now)
        #expect(cluster.plan(at: now).plan == FailoverPolicy.plan(pinned: 2, cooldownLeft: [.seconds(1), nil, nil]))
        #expect(cluster.plan(at: now).plan == .init(order: [2, 1, 0], skipped: []))
        #expect(cluster.plan(at: now + .seconds(1)).plan == .init(order: [2, 0, 1], skipped: []))

        // Two cooling: one is the last resort, the other skipped.
        cluster.recordFailure(Self.endpoints[1], Failure(), at: now + .milliseconds(100))
        #expect(cluster.plan(at: now + .milliseconds(200)).plan == .init(order: [2, 0], skipped: [1]))
    }

    @Test func aReplacedListGetsItsOwnOrder() {
        let cluster = state()
        let now = MonotonicInstant.now
        #expect(cluster.pin(Self.endpoints[1]))
        #expect(cluster.plan(at: now).plan.order == [1, 2, 0])
        // The pinned endpoint stays pinned at its new index; the order has the new count.
        cluster.replaceEndpoints([Self.endpoints[1], Self.endpoints[0]])
        #expect(cluster.plan(at: now).plan.order == [0, 1])
        cluster.replaceEndpoints([Self.endpoints[2], Self.endpoints[0], Self.endpoints[1]])
        #expect(cluster.plan(at: now).plan.order == [2, 0, 1])
        #expect(cluster.plan(at: now).endpoints == [Self.endpoints[2], Self.endpoints[0], Self.endpoints[1]])
    }
}
