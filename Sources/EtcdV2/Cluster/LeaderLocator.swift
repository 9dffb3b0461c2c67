import CurlTransport
import Foundation
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
        let leader = try await MemberRecord.fetch("/v2/members/leader", using: requester, as: MemberRecord.self)
        let endpoints = requester.state.endpoints
        for url in leader.clientURLs {
            guard let endpoint = try? Endpoint.validate(url), endpoints.contains(endpoint) else { continue }
            requester.state.pin(endpoint)
            return endpoint
        }
        return nil
    }
}

/// A member as `/v2/members` describes it (what sync and the leader lookup read).
struct MemberRecord: Decodable, Sendable {
    var id: String
    var name: String
    var peerURLs: [String]
    var clientURLs: [String]

    struct List: Decodable, Sendable {
        var members: [MemberRecord]
    }

    /// GETs `path` through the cluster and decodes a 200 answer.
    static func fetch<Value: Decodable>(
        _ path: String, using requester: ClusterRequester, as type: Value.Type
    ) async throws -> Value {
        let (response, endpoint) = try await requester.send(.get, path, isIdempotent: true)
        guard response.status == 200 else {
            throw EtcdResponseError(
                kind: .unexpectedStatus(response.status), endpoint: endpoint, status: response.status,
                detail: "\(path) failed", body: response.body)
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(response.body))
        } catch {
            throw EtcdResponseError(
                kind: .invalidBody, endpoint: endpoint, status: response.status, detail: "\(path): \(error)",
                body: response.body)
        }
    }
}
