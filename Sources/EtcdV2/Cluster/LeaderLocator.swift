import Logging
import Synchronization

/// Finds the leader's endpoint for ``EtcdClient/EndpointSelectionMode/prioritizeLeader`` and
/// pins it. At most one lookup runs at a time.
///
/// A lookup that fails — typically because the member that failed was the leader and the
/// election is still running (`503 During election`) — is retried after 250 ms, doubling up to
/// 2 s, for about 15 s in all; meanwhile requests go on to whichever member answers. Without the
/// retry, the client would stay on a follower after a leader change until something else fails.
final class LeaderLocator: Sendable {
    private let running = Mutex<Task<Void, Never>?>(nil)

    /// The pauses between attempts of one lookup (about 15 s in all).
    static let retryPauses: [Duration] = [250, 500, 1_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000].map { .milliseconds($0) }

    /// Starts a lookup unless one is running.
    func refresh(using requester: ClusterRequester) {
        running.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                defer { self?.running.withLock { $0 = nil } }
                await Self.lookUp(using: requester)
            }
        }
    }

    /// Pins the leader, retrying after failures; gives up (logged) after the last pause.
    private static func lookUp(using requester: ClusterRequester) async {
        var pauses = retryPauses[...]
        while !Task.isCancelled {
            do {
                try await pinLeader(using: requester)
                return
            } catch is CancellationError {
                return
            } catch {
                guard let pause = pauses.popFirst() else {
                    requester.configuration.logger.info("leader lookup failed", metadata: ["error": "\(error)"])
                    return
                }
                requester.configuration.logger.debug(
                    "leader lookup failed; retrying", metadata: ["error": "\(error)", "retryIn": "\(pause)"])
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    return
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
    ///
    /// - Throws: ``StaleLeader`` when the member named is one that just failed: right after the
    ///   leader dies, the others name it until they notice (an election timeout), and pinning
    ///   it would leave the client wherever the next request happens to be answered (seen in
    ///   CI: on a follower for good). The lookup then retries like after a failure.
    @discardableResult
    static func pinLeader(using requester: ClusterRequester) async throws -> String? {
        let leader = try await MembersAPI(requester: requester).leader()
        let endpoints = requester.state.endpoints
        for url in leader.clientURLs {
            guard let endpoint = try? Endpoint.validate(url), endpoints.contains(endpoint) else { continue }
            if requester.state.isCooling(endpoint, at: .now) { throw StaleLeader(endpoint: endpoint) }
            requester.state.pin(endpoint)
            return endpoint
        }
        return nil
    }

    /// The leader named is an endpoint that just failed.
    struct StaleLeader: Error, CustomStringConvertible {
        var endpoint: String
        var description: String { "the members still name \(endpoint), which just failed, as the leader" }
    }
}
