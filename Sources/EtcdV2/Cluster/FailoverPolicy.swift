/// What the client does after one attempt on one endpoint. Pure, table-tested
/// (`FailoverPolicyTests`); ``ClusterRequester`` does the I/O.
///
/// | outcome | idempotent (GET, watch) | not idempotent (PUT, POST, DELETE) |
/// |---|---|---|
/// | an HTTP answer below 500 | the answer | the answer |
/// | a 5xx answer | next endpoint | the answer (etcd's error body says what happened, e.g. code 300) |
/// | transport failure, not sent | next endpoint | next endpoint |
/// | transport failure, possibly sent | next endpoint | stop: ``EtcdOutcomeUnknownError``, never a second send |
/// | an answer refused (another cluster's ID, a redirect not followed) | next endpoint | next endpoint |
/// | the caller's deadline passed | stop | stop |
///
/// The Go client differs on purpose: it retries CAS and create-in-order after a failure that
/// may have reached the server (a double apply), and refuses to move `Create`/`Delete` on even
/// after "connection refused" (a needless failure).
enum FailoverPolicy {
    /// How one attempt ended.
    enum Outcome: Equatable {
        case answered(status: Int)
        case transportFailed(delivery: EtcdTransportError.Delivery)
        /// An answer the client refuses: another cluster's ID, or a redirect it does not follow.
        /// Nothing was applied to this cluster.
        case rejected
        case deadlineExceeded
    }

    enum Decision: Equatable {
        /// Return this answer to the caller (and pin its endpoint).
        case answer
        /// Record the failure and try the next endpoint.
        case tryNext
        /// Stop: rethrow this failure to the caller at once.
        case stop
    }

    static func decide(_ outcome: Outcome, isIdempotent: Bool) -> Decision {
        switch outcome {
        case .answered(let status):
            return status >= 500 && isIdempotent ? .tryNext : .answer
        case .transportFailed(.notSent):
            return .tryNext
        case .transportFailed(.possiblySent):
            return isIdempotent ? .tryNext : .stop
        case .rejected:
            return .tryNext
        case .deadlineExceeded:
            return .stop
        }
    }

    /// The order in which endpoints are tried: the pinned one first, then the others in turn.
    static func attemptOrder(count: Int, pinned: Int) -> [Int] {
        guard count > 0 else { return [] }
        let start = ((pinned % count) + count) % count
        return (0..<count).map { (start + $0) % count }
    }

    /// Which endpoints one request tries, and which it skips as cooling down.
    struct Plan: Equatable {
        /// Endpoint indexes to try, in order.
        var order: [Int]
        /// Endpoint indexes skipped (cooling down), reported in the error if all tried fail.
        var skipped: [Int]
    }

    /// Plans one request: the available endpoints in round-robin order from the pinned one,
    /// then, as a last resort, the cooling endpoint whose cooldown ends first; the other cooling
    /// endpoints are skipped. So an all-down cluster fails fast (one attempt when every endpoint
    /// is cooling), and a member cooled for a passing reason — a probe that caught it without a
    /// leader during an election — is still asked when every available one has failed.
    ///
    /// - Parameter cooldownLeft: For each endpoint, the cooldown left, or `nil` when available.
    static func plan(pinned: Int, cooldownLeft: [Duration?]) -> Plan {
        let order = attemptOrder(count: cooldownLeft.count, pinned: pinned)
        let available = order.filter { cooldownLeft[$0] == nil }
        let cooling = order.filter { cooldownLeft[$0] != nil }
        guard let soonest = cooling.min(by: { (cooldownLeft[$0] ?? .zero) < (cooldownLeft[$1] ?? .zero) }) else {
            return Plan(order: available, skipped: [])
        }
        return Plan(order: available + [soonest], skipped: cooling.filter { $0 != soonest })
    }
}
