import Logging

extension EtcdClient {
    /// Replaces the endpoints with the client URLs of the cluster's members (`GET /v2/members`).
    ///
    /// In ``EndpointSelectionMode/random`` mode an unchanged member set changes nothing, and a
    /// changed one keeps the pinned endpoint if it is still listed (Go's client re-pins at
    /// random). In ``EndpointSelectionMode/prioritizeLeader`` mode the leader is looked up and
    /// pinned. Members without client URLs (added, not yet started) contribute none.
    ///
    /// - Throws: the request's error, or ``EtcdSyncError`` when no member has a usable client
    ///   URL; the endpoints are then unchanged.
    public func sync() async throws {
        let members = try await self.members.list()
        let urls = members.flatMap(\.clientURLs).compactMap { try? Endpoint.validate($0) }
        guard let endpoints = try? Self.validatedEndpoints(urls) else {
            throw EtcdSyncError(message: "no member lists a usable client URL", members: members.map(\.name))
        }
        switch configuration.selectionMode {
        case .random:
            if Set(endpoints) != Set(requester.state.endpoints) {
                requester.state.replaceEndpoints(configuration.ordered(endpoints))
            }
        case .prioritizeLeader:
            requester.state.replaceEndpoints(endpoints)
            do {
                try await LeaderLocator.pinLeader(using: requester)
            } catch is LeaderLocator.StaleLeader {
                // The leader named just failed: look again in the background until it is known.
                requester.leaderLocator?.refresh(using: requester)
            }
        }
    }

    /// Calls ``sync()`` now and then every `interval`, until the calling task is cancelled or
    /// the client shuts down. A failed sync is logged and retried after a backoff (1 s,
    /// doubling, at most `interval`); it never ends the loop (Go's `AutoSync` returns on the
    /// first error).
    ///
    /// ```swift
    /// let syncing = Task { await client.autoSync(every: .seconds(30)) }
    /// // …
    /// syncing.cancel()
    /// ```
    public func autoSync(every interval: Duration) async {
        var failures = 0
        while !Task.isCancelled, !isShutDown {
            var pause = interval
            do {
                try await sync()
                failures = 0
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                pause = min(interval, EndpointHealth.cooldown(
                    afterFailures: failures, policy: HealthCheck(cooldown: .seconds(1), maxCooldown: interval)))
                configuration.logger.warning(
                    "etcd auto-sync failed", metadata: ["error": "\(error)", "retryIn": "\(pause)"])
            }
            do {
                try await Task.sleep(for: pause)
            } catch {
                return
            }
        }
    }
}

/// ``EtcdClient/sync()`` found no usable endpoint in the member list.
public struct EtcdSyncError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A human-readable account.
    public var message: String
    /// The names of the members listed.
    public var members: [String]

    public var description: String { "sync: \(message) (members: \(members.joined(separator: ", ")))" }
}
