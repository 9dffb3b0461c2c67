/// What the client does after one attempt on one endpoint. Pure, table-tested
/// (`FailoverPolicyTests`); ``ClusterRequester`` does the I/O.
///
/// | outcome | idempotent (GET, watch) | not idempotent (PUT, POST, DELETE) |
/// |---|---|---|
/// | an HTTP answer below 500 | the answer | the answer |
/// | a 5xx answer | next endpoint | the answer (etcd's error body says what happened, e.g. code 300) |
/// | transport failure, not sent | next endpoint | next endpoint |
/// | transport failure, possibly sent | next endpoint | stop: outcome unknown, never a second send |
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
}
