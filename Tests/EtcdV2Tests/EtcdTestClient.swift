import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Runs `body` with a client on a fresh 1-member etcd cluster, and shuts both down.
func withClient<T: Sendable>(
    members: Int = 1,
    headerTimeout: Duration? = .seconds(5),
    _ body: (EtcdClient, EtcdCluster) async throws -> T
) async throws -> T {
    try await withEtcdCluster(members: members) { cluster in
        let client = try EtcdClient(
            configuration: .init(endpoints: cluster.clientURLs, headerTimeoutPerRequest: headerTimeout))
        do {
            let result = try await body(client, cluster)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

/// The `EtcdError` that `body` throws, or an issue if it throws something else or nothing.
func etcdError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> EtcdError? {
    await typedError(EtcdError.self, sourceLocation: sourceLocation, body)
}

/// The error of type `type` that `body` throws, or an issue if it throws something else or nothing.
func typedError<E: Error, T>(
    _ expected: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> E? {
    do {
        let value = try await body()
        Issue.record("expected \(E.self), got \(value)", sourceLocation: sourceLocation)
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self), got \(Swift.type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
