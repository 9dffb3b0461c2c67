import CurlTransport
import Synchronization

/// Sends one request to the cluster: first to the endpoint that answered last, then to the
/// others in turn.
///
/// What moves on to the next endpoint: a transport failure, and a 5xx answer to an idempotent
/// request. A non-idempotent request moves on only when it was certainly not sent; otherwise its
/// ``EtcdTransportError`` (delivery `possiblySent`) is thrown at once, never a second send.
/// Cancellation stops at once. Everything else (2xx, 4xx, etcd errors) is the answer.
/// (Issue 4 grows this into the full health model.)
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
        let first = pinned.withLock { $0 }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var failures: [EtcdClusterError.Failure] = []
        for offset in 0..<endpoints.count {
            let index = (first + offset) % endpoints.count
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
                if response.status >= 500 && isIdempotent {
                    failures.append(.init(endpoint: endpoint, error: Self.serverError(response, endpoint: endpoint)))
                    continue
                }
                pinned.withLock { $0 = index }
                return (response, endpoint)
            } catch let error as TransportError {
                let failure = EtcdTransportError(error)
                if error.kind == .deadlineExceeded, let timeout {
                    failures.append(.init(endpoint: endpoint, error: failure))
                    throw EtcdDeadlineExceeded(timeout: timeout, failures: failures)
                }
                if !isIdempotent && failure.delivery == .possiblySent { throw failure }
                failures.append(.init(endpoint: endpoint, error: failure))
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
