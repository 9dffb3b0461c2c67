import CurlTransport
import Logging

/// Probes endpoints in the background (`GET /health`) and tells ``ClusterState`` what it found:
/// failed endpoints come back as soon as they answer healthy, and an endpoint in use that turns
/// unhealthy (a member cut off from its peers answers `503 {"health":"false"}`, a stopped one
/// does not answer) is cooled down and its long polls move to another endpoint.
enum HealthMonitor {
    /// Probes every ``EtcdClient/HealthCheck/interval`` until the task is cancelled.
    static func run(state: ClusterState, transport: CurlTransport, configuration: EtcdClient.Configuration) async {
        guard let interval = configuration.healthCheck.interval else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            let targets = state.probeTargets(at: .now, recentWindow: interval)
            await withTaskGroup(of: (String, (any Error & Sendable)?).self) { group in
                for endpoint in targets {
                    group.addTask {
                        (endpoint, await probe(endpoint, transport: transport, configuration: configuration))
                    }
                }
                for await (endpoint, failure) in group {
                    guard !Task.isCancelled else { return }
                    if let failure {
                        let moved = state.markUnhealthy(endpoint, failure, at: .now)
                        configuration.logger.info(
                            "endpoint unhealthy", metadata: ["endpoint": "\(endpoint)", "movedLongPolls": "\(moved)", "error": "\(failure)"])
                    } else {
                        state.recordHealthy(endpoint)
                    }
                }
            }
        }
    }

    /// One probe: `nil` when healthy, else why not.
    static func probe(
        _ endpoint: String, transport: CurlTransport, configuration: EtcdClient.Configuration
    ) async -> (any Error & Sendable)? {
        let timeout = configuration.healthCheck.probeTimeout
        let request = TransportRequest(
            method: .get, endpoint: endpoint, pathAndQuery: "/health", headers: [], body: nil,
            headerTimeout: timeout, deadline: timeout * 2, isIdempotent: true, isLongPoll: false,
            credentials: configuration.credentials.map { BasicCredentials(username: $0.username, password: $0.password) })
        do {
            let response = try await transport.execute(request)
            return HealthVerdict.failure(status: response.status, body: response.body, endpoint: endpoint)
        } catch let error as TransportError {
            return EtcdTransportError(error)
        } catch {
            return nil  // cancelled: the client is shutting down
        }
    }
}

/// Reads a `/health` answer. Pure, table-tested (`HealthVerdictTests`).
enum HealthVerdict {
    /// `nil` when the answer says healthy: `200 {"health":"true"}`, or a 404 from a server
    /// without `/health` (alive; isolation cannot be told). Anything else is a failure.
    static func failure(status: Int, body: [UInt8], endpoint: String) -> (any Error & Sendable)? {
        if status == 404 { return nil }
        let compact = String(decoding: body.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }, as: UTF8.self)
        if status == 200, compact.contains("\"health\":\"true\"") { return nil }
        return EtcdResponseError(
            kind: status == 200 ? .invalidBody : .unexpectedStatus(status), endpoint: endpoint, status: status,
            detail: "health check failed", body: body)
    }
}
