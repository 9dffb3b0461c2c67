import CurlTransport
import Logging

/// Sends one request to the cluster: to the pinned endpoint, then to the other available
/// endpoints in turn, then to the cooling endpoint that comes back first (``FailoverPolicy/plan(pinned:cooldownLeft:)``).
///
/// What happens after each attempt is ``FailoverPolicy``'s decision; this type does the I/O:
/// redirects (``RedirectResolver``), the cluster-ID check, the caller's deadline, moving long
/// polls off an endpoint a probe found unhealthy, and collecting each endpoint's failure.
/// Cancellation propagates at once.
final class ClusterRequester: Sendable {
    let transport: CurlTransport
    let state: ClusterState
    let configuration: EtcdClient.Configuration
    /// In ``EtcdClient/EndpointSelectionMode/prioritizeLeader`` mode: looks the leader up
    /// again (in the background) whenever the first endpoint tried fails.
    let leaderLocator: LeaderLocator?
    /// ``EtcdClient/Configuration/headerTimeoutPerRequest`` in nanoseconds, converted once:
    /// `Duration` arithmetic per request is 128-bit.
    let headerTimeoutNanoseconds: UInt64?

    init(
        transport: CurlTransport, state: ClusterState, configuration: EtcdClient.Configuration,
        leaderLocator: LeaderLocator? = nil
    ) {
        self.transport = transport
        self.state = state
        self.configuration = configuration
        self.leaderLocator = leaderLocator
        self.headerTimeoutNanoseconds = configuration.headerTimeoutPerRequest?.nanosecondsClamped
    }

    /// An answer, and the endpoint that gave it (after redirects). A struct, not a tuple: a
    /// tuple kept across an `await` is destroyed through the runtime's generic tuple witness.
    struct Answer: Sendable {
        var response: TransportResponse
        var endpoint: String
        /// The cluster ID on record, when the answer's `X-Etcd-Cluster-Id` is exactly it: a
        /// decoder can use this `String` instead of making another (``KeysResponseDecoder``).
        var clusterID: String?
    }

    /// The response and the endpoint that gave it.
    ///
    /// - Parameter timeout: The caller's limit across every endpoint; running out throws
    ///   ``EtcdDeadlineExceeded``.
    ///
    /// A watch's long poll waits inside this call, so its async frame (and ``attempt``'s) stays
    /// allocated for as long as the watch is idle: the decisions after each attempt are made
    /// in the synchronous ``conclude(_:endpoint:position:attempts:isIdempotent:timeout:failures:)``,
    /// which keeps the errors and responses it inspects out of the frame.
    func send(
        _ method: HTTPMethod, _ pathAndQuery: String, body: [UInt8]? = nil, headers: [HTTPHeader] = [],
        isIdempotent: Bool, isLongPoll: Bool = false, timeout: Duration? = nil
    ) async throws -> Answer {
        let start = MonotonicInstant.now
        let deadline = timeout.map { start + $0 }
        let attempts = state.plan(at: start)
        var failures: [EtcdClusterError.Failure] = []
        for (position, index) in attempts.plan.order.enumerated() {
            let endpoint = attempts.endpoints[index]
            let result = await attemptResult(
                Hop(method: method, endpoint: endpoint, pathAndQuery: pathAndQuery, body: body),
                headers: headers, isIdempotent: isIdempotent, isLongPoll: isLongPoll, deadline: deadline)
            if let answer = try conclude(
                result, endpoint: endpoint, position: position, attempts: attempts, isIdempotent: isIdempotent,
                timeout: timeout, failures: &failures)
            {
                return answer
            }
            if let deadline, let timeout, MonotonicInstant.now >= deadline {
                throw EtcdDeadlineExceeded(timeout: timeout, failures: failures)
            }
        }
        throw EtcdClusterError(failures: failures + attempts.skippedFailures)
    }

    /// ``attempt(_:headers:isIdempotent:isLongPoll:deadline:)``, with its error as a value.
    @inline(never)
    private func attemptResult(
        _ first: Hop, headers: [HTTPHeader], isIdempotent: Bool, isLongPoll: Bool,
        deadline: MonotonicInstant?
    ) async -> Result<Answer, any Error> {
        do {
            return .success(try await attempt(first, headers: headers, isIdempotent: isIdempotent, isLongPoll: isLongPoll, deadline: deadline))
        } catch {
            return .failure(error)
        }
    }

    /// What one endpoint's attempt means for the request: the answer to return, `nil` to go
    /// on to the next endpoint (the failure appended to `failures`), or an error to throw.
    @inline(never)
    private func conclude(
        _ result: Result<Answer, any Error>, endpoint: String, position: Int,
        attempts: ClusterState.Attempts, isIdempotent: Bool, timeout: Duration?,
        failures: inout [EtcdClusterError.Failure]
    ) throws -> Answer? {
        let outcome: FailoverPolicy.Outcome
        let failure: any Error & Sendable
        do {
            var answer = try result.get()
            let response = answer.response
            if let received = response.headers.firstValue(named: "X-Etcd-Cluster-Id"),
                let mismatch = state.checkClusterID(received, from: endpoint, same: &answer.clusterID)
            {
                (outcome, failure) = (.rejected, mismatch)
            } else {
                switch FailoverPolicy.decide(.answered(status: response.status), isIdempotent: isIdempotent) {
                case .answer:
                    if response.status >= 500 {
                        state.recordFailure(endpoint, Self.serverError(response, endpoint: answer.endpoint), at: .now)
                    } else {
                        state.recordSuccess(endpoint, plannedAt: attempts.pinGeneration)
                    }
                    return answer
                case .tryNext, .stop:
                    (outcome, failure) = (.answered(status: response.status), Self.serverError(response, endpoint: answer.endpoint))
                }
            }
        } catch let error as TransportError {
            let transportError = EtcdTransportError(error)
            if error.kind == .deadlineExceeded, let timeout {
                // The caller's limit, not the endpoint's fault; a probe tells which it was.
                state.requestProbe(endpoint)
                failures.append(.init(endpoint: endpoint, error: transportError))
                throw EtcdDeadlineExceeded(timeout: timeout, failures: failures)
            }
            (outcome, failure) = (.transportFailed(delivery: transportError.delivery), transportError)
        } catch let error as LongPollMoved {
            (outcome, failure) = (.transportFailed(delivery: .notSent), error.reason)
        } catch let error as EtcdRedirectError {
            (outcome, failure) = (.rejected, error)
        }
        state.recordFailure(endpoint, failure, at: .now)
        if position == 0 { leaderLocator?.refresh(using: self) }
        switch FailoverPolicy.decide(outcome, isIdempotent: isIdempotent) {
        case .tryNext, .answer:
            failures.append(.init(endpoint: endpoint, error: failure))
            return nil
        case .stop:
            if let transportError = failure as? EtcdTransportError {
                throw EtcdOutcomeUnknownError(endpoint: endpoint, cause: transportError, earlierFailures: failures)
            }
            throw failure
        }
    }

    /// One request line: where it goes and what it carries.
    struct Hop {
        var method: HTTPMethod
        var endpoint: String
        var pathAndQuery: String
        var body: [UInt8]?
    }

    /// One endpoint's attempt, following redirects within one header timeout.
    private func attempt(
        _ first: Hop, headers: [HTTPHeader], isIdempotent: Bool, isLongPoll: Bool,
        deadline: MonotonicInstant?
    ) async throws -> Answer {
        let start = MonotonicInstant.now
        let headerDeadline = isLongPoll ? nil : headerTimeoutNanoseconds.map { start.adding(nanoseconds: $0) }
        var hop = first
        var redirects = 0
        while true {
            let request = transportRequest(
                hop, first: first, headers: headers, headerDeadline: headerDeadline, deadline: deadline,
                isIdempotent: isIdempotent, isLongPoll: isLongPoll)
            let response = try await isLongPoll ? executeLongPoll(request, on: first.endpoint) : transport.execute(request)
            guard RedirectResolver.isRedirect(response.status) else { return Answer(response: response, endpoint: hop.endpoint) }
            hop = try nextHop(after: response, from: hop, origin: first.endpoint, redirects: &redirects)
        }
    }

    /// The transport request for `hop`, with what is left of the header timeout and the deadline.
    @inline(never)
    private func transportRequest(
        _ hop: Hop, first: Hop, headers: [HTTPHeader], headerDeadline: MonotonicInstant?,
        deadline: MonotonicInstant?, isIdempotent: Bool, isLongPoll: Bool
    ) -> TransportRequest {
        let now = MonotonicInstant.now
        let credentials = configuration.credentials.map { BasicCredentials(username: $0.username, password: $0.password) }
        return TransportRequest(
            method: hop.method, endpoint: hop.endpoint, pathAndQuery: hop.pathAndQuery, headers: headers,
            body: hop.body,
            headerTimeoutNanoseconds: headerDeadline.map { max($0.nanoseconds(after: now), 1_000_000) },
            deadlineNanoseconds: deadline.map { $0.nanoseconds(after: now) },
            isIdempotent: isIdempotent, isLongPoll: isLongPoll,
            // Never to another origin than the configured endpoint's.
            credentials: RedirectResolver.isSameOrigin(hop.endpoint, first.endpoint) ? credentials : nil
        )
    }

    private func nextHop(after response: TransportResponse, from hop: Hop, origin: String, redirects: inout Int) throws -> Hop {
        let policy = configuration.redirectPolicy
        guard let location = response.headers.first(named: "Location") else {
            throw EtcdRedirectError(kind: .missingLocation, endpoint: origin, location: nil)
        }
        guard let target = RedirectResolver.resolve(location: location, endpoint: hop.endpoint, pathAndQuery: hop.pathAndQuery)
        else {
            throw EtcdRedirectError(kind: .invalidLocation, endpoint: origin, location: location)
        }
        redirects += 1
        guard redirects <= policy.maxRedirects else {
            throw EtcdRedirectError(kind: .tooManyRedirects, endpoint: origin, location: location)
        }
        let from = hop.endpoint + hop.pathAndQuery
        if let allow = policy.allow, !allow(from, target.endpoint + target.pathAndQuery) {
            throw EtcdRedirectError(kind: .refused, endpoint: origin, location: location)
        }
        let method = RedirectResolver.method(after: response.status, original: hop.method)
        configuration.logger.debug(
            "following redirect", metadata: ["status": "\(response.status)", "from": "\(from)", "to": "\(target.endpoint)\(target.pathAndQuery)"])
        return Hop(
            method: method, endpoint: target.endpoint, pathAndQuery: target.pathAndQuery,
            body: method == hop.method ? hop.body : nil)
    }

    /// A long poll, registered with ``ClusterState`` so that a health probe that finds the
    /// endpoint unhealthy can move it: the poll is cancelled and the request goes on elsewhere.
    private func executeLongPoll(_ request: TransportRequest, on endpoint: String) async throws -> TransportResponse {
        var token: UInt64?
        defer { if let token { state.unregisterLongPoll(on: endpoint, token: token) } }
        do {
            return try await transport.execute(request) { abandon in
                token = state.registerLongPoll(on: endpoint, cancel: abandon)
            }
        } catch is CancellationError where !Task.isCancelled {
            throw LongPollMoved(reason: EtcdEndpointUnhealthyError(endpoint: endpoint, lastFailure: nil))
        }
    }

    /// A long poll cancelled because its endpoint was found unhealthy.
    private struct LongPollMoved: Error {
        var reason: EtcdEndpointUnhealthyError
    }

    /// A 5xx answer as an error, keeping what the body says (etcd's error code, or the text).
    private static func serverError(_ response: TransportResponse, endpoint: String) -> any Error & Sendable {
        let fallback = EtcdResponseError(
            kind: .unexpectedStatus(response.status), endpoint: endpoint, status: response.status,
            detail: "the server failed", body: response.body)
        do {
            _ = try KeysResponseDecoder.decode(
                status: response.status, headers: response.headers, body: response.body, endpoint: endpoint)
            return fallback
        } catch let error as EtcdError {
            return error
        } catch let error as EtcdResponseError {
            return error
        } catch {
            return fallback
        }
    }
}
