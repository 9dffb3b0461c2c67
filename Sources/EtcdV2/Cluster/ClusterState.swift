import CurlTransport
import Synchronization

/// The client's mutable view of its cluster: the endpoint list, the pinned endpoint, each
/// endpoint's health, the cluster ID, and the long polls in flight per endpoint (so that a
/// probe that finds an endpoint unhealthy can move its watches at once).
///
/// Every method takes the lock once and does no I/O.
final class ClusterState: Sendable {
    let healthCheck: EtcdClient.HealthCheck

    private struct Inner {
        /// The endpoints, in try order. A new list keeps the health of each endpoint it still
        /// has, at its new index; the others start healthy.
        var endpoints: [String] {
            didSet {
                health = endpoints.map { endpoint in oldValue.firstIndex(of: endpoint).map { health[$0] } ?? EndpointHealth() }
            }
        }
        var pinned = 0
        /// Counts changes of the pin, so that a success moves it only if nobody else did
        /// while that request was in flight (``recordSuccess(_:plannedAt:)``).
        var pinGeneration: UInt64 = 0
        /// Each endpoint's health, at the endpoint's index: an array rather than a dictionary,
        /// so that the lookups every request makes hash no strings (the endpoints a request
        /// names are the very strings kept here, which compare equal at once).
        var health: [EndpointHealth]
        var clusterID: String?
        var longPolls: [String: [UInt64: @Sendable () -> Void]] = [:]
        var nextToken: UInt64 = 0
        /// The round-robin order from the pinned endpoint (``FailoverPolicy/attemptOrder(count:pinned:)``),
        /// kept while neither the pin nor the number of endpoints changes: with no endpoint
        /// cooling down it is the whole plan, and every request needs it.
        private var order: (pinned: Int, count: Int, indexes: [Int])?

        init(endpoints: [String], clusterID: String?) {
            self.endpoints = endpoints
            health = Array(repeating: EndpointHealth(), count: endpoints.count)
            self.clusterID = clusterID
        }

        /// Runs `body` on the health of `endpoint`, if it is one of the endpoints (a request
        /// planned before the list was replaced may name one that is gone: nothing to keep).
        mutating func withHealth<R>(of endpoint: String, _ body: (inout EndpointHealth) -> R) -> R? {
            guard let index = endpoints.firstIndex(of: endpoint) else { return nil }
            return body(&health[index])
        }

        func health(of endpoint: String) -> EndpointHealth? {
            endpoints.firstIndex(of: endpoint).map { health[$0] }
        }

        /// ``FailoverPolicy/attemptOrder(count:pinned:)`` for the current pin.
        mutating func attemptOrder() -> [Int] {
            if let order, order.pinned == pinned, order.count == endpoints.count { return order.indexes }
            let indexes = FailoverPolicy.attemptOrder(count: endpoints.count, pinned: pinned)
            order = (pinned, endpoints.count, indexes)
            return indexes
        }
    }

    private let inner: Mutex<Inner>

    /// - Parameter endpoints: Validated URLs, in the order to use (shuffle before).
    init(endpoints: [String], healthCheck: EtcdClient.HealthCheck, clusterID: String?) {
        self.healthCheck = healthCheck
        inner = Mutex(Inner(endpoints: endpoints, clusterID: clusterID?.lowercased()))
    }

    /// The endpoints, in try order from index 0 (before pinning).
    var endpoints: [String] { inner.withLock { $0.endpoints } }

    /// The endpoint the next request goes to first (unless it is cooling down).
    var pinnedEndpoint: String {
        inner.withLock { $0.endpoints.isEmpty ? "" : $0.endpoints[$0.pinned % $0.endpoints.count] }
    }

    /// The cluster ID learnt or configured, lowercase hex.
    var clusterID: String? { inner.withLock { $0.clusterID } }

    /// One request's plan, with the endpoints it names and the last failure of each skipped one.
    struct Attempts {
        var endpoints: [String]
        var plan: FailoverPolicy.Plan
        var skippedFailures: [EtcdClusterError.Failure]
        /// The pin's generation when the request was planned.
        var pinGeneration: UInt64
    }

    /// Plans a request at `now` and marks its first endpoint as in use.
    func plan(at now: MonotonicInstant) -> Attempts {
        inner.withLock { state in
            let plan: FailoverPolicy.Plan
            if state.health.contains(where: { $0.isCooling(at: now) }) {
                let cooldownLeft: [Duration?] = state.health.map { health in
                    guard let until = health.coolingUntil, now < until else { return nil }
                    return until - now
                }
                plan = FailoverPolicy.plan(pinned: state.pinned, cooldownLeft: cooldownLeft)
            } else {
                // What `FailoverPolicy.plan` gives when nothing cools down, without its arrays.
                plan = FailoverPolicy.Plan(order: state.attemptOrder(), skipped: [])
            }
            if let first = plan.order.first {
                state.health[first].lastUsed = now
            }
            let skipped = plan.skipped.map { index in
                let endpoint = state.endpoints[index]
                return EtcdClusterError.Failure(
                    endpoint: endpoint,
                    error: EtcdEndpointUnhealthyError(endpoint: endpoint, lastFailure: state.health[index].lastFailure))
            }
            return Attempts(
                endpoints: state.endpoints, plan: plan, skippedFailures: skipped, pinGeneration: state.pinGeneration)
        }
    }

    /// Records an answer from `endpoint` and pins it (if it is still one of the endpoints),
    /// unless the pin was moved since the request was planned: a leader lookup, a sync or
    /// another request's success that happened meanwhile knows better than this older request.
    func recordSuccess(_ endpoint: String, plannedAt generation: UInt64) {
        inner.withLock { state in
            guard let index = state.endpoints.firstIndex(of: endpoint) else { return }
            state.health[index].recordSuccess()
            guard state.pinGeneration == generation, index != state.pinned else { return }
            state.pinned = index
            state.pinGeneration &+= 1
        }
    }

    /// Records a probe's healthy answer without moving the pin.
    func recordHealthy(_ endpoint: String) {
        inner.withLock { _ = $0.withHealth(of: endpoint) { $0.recordSuccess() } }
    }

    /// Records a failure of `endpoint`: it cools down.
    func recordFailure(_ endpoint: String, _ error: any Error & Sendable, at now: MonotonicInstant) {
        let policy = healthCheck
        inner.withLock { state in
            _ = state.withHealth(of: endpoint) { $0.recordFailure(error, at: now, policy: policy) }
        }
    }

    /// Asks the health monitor to probe `endpoint` on its next round (a call's deadline ran
    /// out there: it may be stopped, or just slow).
    func requestProbe(_ endpoint: String) {
        inner.withLock { _ = $0.withHealth(of: endpoint) { $0.probeRequested = true } }
    }

    /// Pins `endpoint` if it is one of the endpoints; returns whether it is.
    @discardableResult
    func pin(_ endpoint: String) -> Bool {
        inner.withLock { state in
            guard let index = state.endpoints.firstIndex(of: endpoint) else { return false }
            state.pinned = index
            state.pinGeneration &+= 1
            return true
        }
    }

    /// Replaces the endpoint list. The pin follows the pinned endpoint if it is still listed,
    /// else goes to index 0; health records of endpoints still listed are kept.
    func replaceEndpoints(_ endpoints: [String]) {
        inner.withLock { state in
            let pinnedEndpoint = state.endpoints.isEmpty ? nil : state.endpoints[state.pinned % state.endpoints.count]
            state.endpoints = endpoints
            state.pinned = pinnedEndpoint.flatMap { endpoints.firstIndex(of: $0) } ?? 0
            state.pinGeneration &+= 1
        }
    }

    /// Checks an answer's `X-Etcd-Cluster-Id` (its bytes); the first one seen is learnt.
    ///
    /// - Parameter same: Set to the cluster ID on record when `received` is exactly its bytes
    ///   (etcd sends it in lower case), so that the answer can reuse that `String` instead of
    ///   making one.
    func checkClusterID(
        _ received: ArraySlice<UInt8>, from endpoint: String, same: inout String?
    ) -> EtcdClusterMismatchError? {
        // Compared as bytes, without lowercasing or making a string first: this runs for
        // every answer.
        let (mismatch, known) = inner.withLock { state -> (EtcdClusterMismatchError?, String?) in
            guard let expected = state.clusterID else {
                state.clusterID = String(decoding: received, as: UTF8.self).lowercased()
                return (nil, nil)
            }
            if expected.utf8Equals(received) { return (nil, expected) }
            guard expected.caseInsensitiveEquals(received) else {
                let error = EtcdClusterMismatchError(
                    endpoint: endpoint, expected: expected, received: String(decoding: received, as: UTF8.self).lowercased())
                return (error, nil)
            }
            return (nil, nil)
        }
        if let known { same = known }
        return mismatch
    }

    /// Registers a long poll in flight on `endpoint`; `cancel` moves it elsewhere.
    func registerLongPoll(on endpoint: String, cancel: @escaping @Sendable () -> Void) -> UInt64 {
        inner.withLock { state in
            state.nextToken += 1
            state.longPolls[endpoint, default: [:]][state.nextToken] = cancel
            return state.nextToken
        }
    }

    func unregisterLongPoll(on endpoint: String, token: UInt64) {
        inner.withLock { state in
            state.longPolls[endpoint]?[token] = nil
            if state.longPolls[endpoint]?.isEmpty == true { state.longPolls[endpoint] = nil }
        }
    }

    /// Endpoints the health monitor should probe at `now`: those that failed and have not
    /// recovered, those asked for, and those in use (serving a long poll, or used within
    /// `recentWindow`).
    func probeTargets(at now: MonotonicInstant, recentWindow: Duration) -> [String] {
        inner.withLock { state in
            zip(state.endpoints, state.health).filter { endpoint, health in
                if state.longPolls[endpoint]?.isEmpty == false { return true }
                if health.isSuspect || health.probeRequested { return true }
                return health.lastUsed.map { now - $0 <= recentWindow } ?? false
            }.map(\.0)
        }
    }

    /// A probe found `endpoint` unhealthy: it cools down and its long polls are cancelled (the
    /// requests carrying them move to another endpoint), if another endpoint is available:
    /// with none (a single endpoint, or all the others cooling down too) a move would only
    /// reconnect every watch to where it was. Returns how many were moved.
    @discardableResult
    func markUnhealthy(_ endpoint: String, _ error: any Error & Sendable, at now: MonotonicInstant) -> Int {
        let policy = healthCheck
        let cancels: [@Sendable () -> Void] = inner.withLock { state in
            _ = state.withHealth(of: endpoint) { health in
                health.recordFailure(error, at: now, policy: policy)
                health.probeRequested = false
            }
            let elsewhere = zip(state.endpoints, state.health).contains { other, health in
                guard other != endpoint else { return false }
                guard let until = health.coolingUntil else { return true }
                return until <= now
            }
            guard elsewhere else { return [] }
            return state.longPolls[endpoint].map { Array($0.values) } ?? []
        }
        for cancel in cancels { cancel() }
        return cancels.count
    }

    /// Whether `endpoint` failed and has not answered since.
    func isSuspect(_ endpoint: String) -> Bool {
        inner.withLock { $0.health(of: endpoint)?.isSuspect ?? false }
    }

    /// Whether `endpoint` is cooling down at `now`.
    func isCooling(_ endpoint: String, at now: MonotonicInstant) -> Bool {
        inner.withLock { $0.health(of: endpoint)?.isCooling(at: now) ?? false }
    }
}
