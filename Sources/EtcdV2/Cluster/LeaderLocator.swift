import Logging
import Synchronization

/// Finds the leader's endpoint for ``EtcdClient/EndpointSelectionMode/prioritizeLeader`` and
/// pins it. At most one lookup runs at a time; failures are logged and leave the pin alone.
final class LeaderLocator: Sendable {
    private let running = Mutex<Task<Void, Never>?>(nil)

    /// Starts a lookup unless one is running.
    func refresh(using requester: ClusterRequester) {
        running.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                defer { self?.running.withLock { $0 = nil } }
                do {
                    try await Self.pinLeader(using: requester)
                } catch {
                    requester.configuration.logger.info("leader lookup failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Waits for the lookup in flight, if any.
    func wait() async {
        let task = running.withLock { $0 }
        await task?.value
    }

    func cancel() {
        running.withLock { $0?.cancel() }
    }

    /// Asks `/v2/members/leader` and pins the first of the leader's client URLs that is one of
    /// the endpoints. Returns the pinned endpoint, or `nil` if none of them matches.
    @discardableResult
    static func pinLeader(using requester: ClusterRequester) async throws -> String? {
        let leader = try await MembersAPI(requester: requester).leader()
        let endpoints = requester.state.endpoints
        for url in leader.clientURLs {
            guard let endpoint = try? Endpoint.validate(url), endpoints.contains(endpoint) else { continue }
            requester.state.pin(endpoint)
            return endpoint
        }
        return nil
    }
}
