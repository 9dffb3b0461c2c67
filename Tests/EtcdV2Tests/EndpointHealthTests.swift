@testable import EtcdV2
import Testing

struct EndpointHealthTests {
    static let policy = EtcdClient.HealthCheck(cooldown: .milliseconds(500), maxCooldown: .seconds(3))

    @Test(arguments: [
        (0, Duration.zero),
        (1, .milliseconds(500)),
        (2, .seconds(1)),
        (3, .seconds(2)),
        (4, .seconds(3)),  // capped
        (40, .seconds(3)),
    ])
    func cooldownDoublesUpToTheCap(failures: Int, expected: Duration) {
        #expect(EndpointHealth.cooldown(afterFailures: failures, policy: Self.policy) == expected)
    }

    @Test func aFailureCoolsDownUntilASuccess() {
        let now = MonotonicInstant.now
        var health = EndpointHealth()
        #expect(!health.isCooling(at: now))
        #expect(!health.isSuspect)
        health.recordFailure(EtcdConfigurationError(message: "x"), at: now, policy: Self.policy)
        #expect(health.isCooling(at: now + .milliseconds(499)))
        #expect(!health.isCooling(at: now + .milliseconds(500)))
        #expect(health.isSuspect)  // still suspect after the cooldown: probed until it answers
        health.recordFailure(EtcdConfigurationError(message: "y"), at: now, policy: Self.policy)
        #expect(health.isCooling(at: now + .milliseconds(999)))
        #expect((health.lastFailure as? EtcdConfigurationError)?.message == "y")
        health.recordSuccess()
        #expect(!health.isCooling(at: now))
        #expect(!health.isSuspect)
        #expect(health.lastFailure == nil)
    }
}

struct HealthVerdictTests {
    @Test(arguments: [
        (200, #"{"health":"true"}"#, true),
        (200, #"{"health": "true", "reason": ""}"#, true),  // etcd 3.5 adds a reason
        (404, "404 page not found", true),  // no /health: alive, isolation unknown
        (503, #"{"health":"false"}"#, false),  // no leader
        (200, #"{"health":"false"}"#, false),
        (200, "", false),
        (500, "", false),
    ])
    func healthAnswers(status: Int, body: String, healthy: Bool) {
        let failure = HealthVerdict.failure(status: status, body: Array(body.utf8), endpoint: "http://a:1")
        #expect((failure == nil) == healthy)
        if let failure = failure as? EtcdResponseError {
            #expect(failure.endpoint == "http://a:1")
            #expect(failure.status == status)
        }
    }
}
