import CurlTransport
import Synchronization

/// Sends one request to the cluster: first to the endpoint that answered last, then to the
/// others in turn.
///
/// What happens after each attempt is ``FailoverPolicy``'s decision; this type does the I/O,
/// keeps the pinned endpoint and the caller's deadline, and collects each endpoint's failure.
/// Cancellation propagates at once. (Issue 4 grows this into the full health model.)
final class ClusterRequester: Sendable {
    let transport: CurlTransport
    let endpoints: [String]
    let configuration: EtcdClient.Configuration
    private let pinned = Mutex(0)

    init(transport: CurlTransport, endpoints: [String], configuration: EtcdClient.Configuration) {
        self.transport = transport
        self.endpoints = endpoints
        self.configuration = configuration
    }

    /// The response and the endpoint that gave it.
    func send(
        _ method: HTTPMethod, _ pathAndQuery: String, body: [UInt8]? = nil, headers: [HTTPHeader] = [],
        isIdempotent: Bool, isLongPoll: Bool = false, timeout: Duration? = nil
    ) async throws -> (response: TransportResponse, endpoint: String) {
        let pinnedIndex = pinned.withLock { $0 }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var failures: [EtcdClusterError.Failure] = []
        for index in FailoverPolicy.attemptOrder(count: endpoints.count, pinned: pinnedIndex) {
            let endpoint = endpoints[index]
            var remaining: Duration?
            if let deadline, let timeout {
                remaining = deadline - ContinuousClock.now
                if let left = remaining, left <= .zero {
                    throw EtcdDeadlineExceeded(timeout: timeout, failures: failures)
                }
            }
            let request = TransportRequest(
                method: method, endpoint: endpoint, pathAndQuery: pathAndQuery, headers: headers, body: body,
                headerTimeout: isLongPoll ? nil : configuration.headerTimeoutPerRequest,
                deadline: remaining,
                isIdempotent: isIdempotent, isLongPoll: isLongPoll,
                credentials: configuration.credentials.map {
                    BasicCredentials(username: $0.username, password: $0.password)
                }
            )
            do {
                let response = try await transport.execute(request)
                switch FailoverPolicy.decide(.answered(status: response.status), isIdempotent: isIdempotent) {
                case .answer:
                    pinned.withLock { $0 = index }
                    return (response, endpoint)
                case .tryNext, .stop:
                    failures.append(.init(endpoint: endpoint, error: Self.serverError(response, endpoint: endpoint)))
                }
            } catch let error as TransportError {
                let failure = EtcdTransportError(error)
                let outcome: FailoverPolicy.Outcome =
                    error.kind == .deadlineExceeded && timeout != nil
                    ? .deadlineExceeded : .transportFailed(delivery: failure.delivery)
                switch FailoverPolicy.decide(outcome, isIdempotent: isIdempotent) {
                case .tryNext, .answer:
                    failures.append(.init(endpoint: endpoint, error: failure))
                case .stop:
                    if outcome == .deadlineExceeded, let timeout {
                        failures.append(.init(endpoint: endpoint, error: failure))
                        throw EtcdDeadlineExceeded(timeout: timeout, failures: failures)
                    }
                    throw failure
                }
            }
        }
        throw EtcdClusterError(failures: failures)
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
