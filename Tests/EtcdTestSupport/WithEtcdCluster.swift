/// Starts an etcd cluster, runs `body` with it, and always shuts the cluster down,
/// also when `body` throws (the error is rethrown after the shutdown).
///
/// ```swift
/// @Test func putAndGet() async throws {
///     try await withEtcdCluster(members: 3) { cluster in
///         _ = try LoopbackHTTP.request("PUT", cluster.clientURL(0) + "/v2/keys/a", body: "value=1")
///     }
/// }
/// ```
///
/// - Parameters:
///   - members: Number of members, at least 1.
///   - extraArguments: Flags appended to every member's etcd command line.
///   - peerProxy: Route the peer traffic through a ``PeerProxy`` so the test can
///     ``EtcdCluster/isolate(_:)`` and ``EtcdCluster/heal(_:)`` members.
///   - tls: TLS on the client URLs (see ``EtcdClusterTLS``); `nil` serves plain http.
///   - isolation: The caller's actor; `body` runs there. Leave the default.
///   - body: The test, given the running cluster.
/// - Returns: Whatever `body` returns.
/// - Throws: ``EtcdHarnessError`` if the cluster does not start, or `body`'s error.
public func withEtcdCluster<T: Sendable>(
    members: Int = 1,
    extraArguments: [String] = [],
    peerProxy: Bool = false,
    tls: EtcdClusterTLS? = nil,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (EtcdCluster) async throws -> T
) async throws -> T {
    let cluster = try await EtcdCluster.start(
        members: members, extraArguments: extraArguments, peerProxy: peerProxy, tls: tls)
    let result: T
    do {
        result = try await body(cluster)
    } catch {
        await cluster.shutdown()
        throw error
    }
    await cluster.shutdown()
    return result
}
