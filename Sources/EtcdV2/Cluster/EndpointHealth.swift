/// What the client knows of one endpoint's health: pure bookkeeping, table-tested
/// (`EndpointHealthTests`). ``ClusterState`` keeps one per endpoint URL.
///
/// An endpoint that fails is *cooled down*: requests skip it until its cooldown ends or a
/// background probe finds it healthy again. Each consecutive failure doubles the cooldown,
/// from ``EtcdClient/HealthCheck/cooldown`` up to ``EtcdClient/HealthCheck/maxCooldown``.
struct EndpointHealth: Sendable {
    /// Failures since the last success.
    private(set) var consecutiveFailures = 0
    /// Until when requests skip this endpoint; `nil` when it is healthy.
    private(set) var coolingUntil: MonotonicInstant?
    /// The last failure, reported for skipped endpoints.
    private(set) var lastFailure: (any Error & Sendable)?
    /// When a request last went to this endpoint (probes watch endpoints in use).
    var lastUsed: MonotonicInstant?
    /// A probe is due at once (set when a call's deadline ran out on this endpoint).
    var probeRequested = false

    /// Whether requests skip this endpoint at `now`.
    func isCooling(at now: MonotonicInstant) -> Bool {
        guard let coolingUntil else { return false }
        return now < coolingUntil
    }

    /// Whether the endpoint failed and has not succeeded since (cooling or waiting for a probe).
    var isSuspect: Bool { consecutiveFailures > 0 }

    /// Records a failure and starts (or lengthens) the cooldown.
    mutating func recordFailure(
        _ error: any Error & Sendable, at now: MonotonicInstant, policy: EtcdClient.HealthCheck
    ) {
        consecutiveFailures += 1
        lastFailure = error
        coolingUntil = now + Self.cooldown(afterFailures: consecutiveFailures, policy: policy)
    }

    /// Records a success: the endpoint is healthy again.
    mutating func recordSuccess() {
        consecutiveFailures = 0
        coolingUntil = nil
        lastFailure = nil
        probeRequested = false
    }

    /// The cooldown after `failures` consecutive failures: `cooldown × 2^(failures-1)`, capped.
    static func cooldown(afterFailures failures: Int, policy: EtcdClient.HealthCheck) -> Duration {
        guard failures > 0 else { return .zero }
        var value = policy.cooldown
        var doublings = failures - 1
        while doublings > 0, value < policy.maxCooldown {
            value *= 2
            doublings -= 1
        }
        return min(value, policy.maxCooldown)
    }
}
