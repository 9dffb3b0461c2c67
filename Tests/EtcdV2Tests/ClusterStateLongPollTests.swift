@testable import EtcdV2
import Synchronization
import Testing

/// When a probe finds an endpoint unhealthy, its long polls move only if they have somewhere to go.
struct ClusterStateLongPollTests {
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private func state(_ endpoints: [String]) -> ClusterState {
        ClusterState(
            endpoints: endpoints,
            healthCheck: EtcdClient.HealthCheck(cooldown: .seconds(1), maxCooldown: .seconds(2)),
            clusterID: nil)
    }

    private struct Failure: Error {}

    @Test func longPollsMoveWhenAnotherEndpointIsAvailable() {
        let cluster = state(["http://127.0.0.1:1", "http://127.0.0.1:2"])
        let cancelled = Counter()
        _ = cluster.registerLongPoll(on: "http://127.0.0.1:1") { cancelled.value.add(1, ordering: .relaxed) }
        _ = cluster.registerLongPoll(on: "http://127.0.0.1:1") { cancelled.value.add(1, ordering: .relaxed) }
        #expect(cluster.markUnhealthy("http://127.0.0.1:1", Failure(), at: .now) == 2)
        #expect(cancelled.value.load(ordering: .relaxed) == 2)
    }

    @Test func longPollsStayWithASingleEndpoint() {
        let cluster = state(["http://127.0.0.1:1"])
        let cancelled = Counter()
        _ = cluster.registerLongPoll(on: "http://127.0.0.1:1") { cancelled.value.add(1, ordering: .relaxed) }
        #expect(cluster.markUnhealthy("http://127.0.0.1:1", Failure(), at: .now) == 0)
        #expect(cancelled.value.load(ordering: .relaxed) == 0)
        #expect(cluster.isSuspect("http://127.0.0.1:1"))  // it still cools down
    }

    @Test func longPollsStayWhenEveryOtherEndpointIsCooling() {
        let cluster = state(["http://127.0.0.1:1", "http://127.0.0.1:2"])
        let cancelled = Counter()
        _ = cluster.registerLongPoll(on: "http://127.0.0.1:1") { cancelled.value.add(1, ordering: .relaxed) }
        let now = MonotonicInstant.now
        cluster.recordFailure("http://127.0.0.1:2", Failure(), at: now)
        #expect(cluster.markUnhealthy("http://127.0.0.1:1", Failure(), at: now) == 0)
        #expect(cancelled.value.load(ordering: .relaxed) == 0)
        // Once the other one's cooldown is over, a later probe moves them.
        #expect(cluster.markUnhealthy("http://127.0.0.1:1", Failure(), at: now + .seconds(3)) == 1)
        #expect(cancelled.value.load(ordering: .relaxed) == 1)
    }
}
