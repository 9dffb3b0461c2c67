@testable import EtcdV2
import Testing

/// The `EtcdMembersError` that `body` throws, or an issue if it throws something else or nothing.
func membersError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> EtcdMembersError? {
    await typedError(EtcdMembersError.self, sourceLocation: sourceLocation, body)
}

/// The `EtcdAuthError` that `body` throws, or an issue if it throws something else or nothing.
func authError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> EtcdAuthError? {
    await typedError(EtcdAuthError.self, sourceLocation: sourceLocation, body)
}

/// Calls `body` every 50 ms until it returns a value, for up to `timeout`; errors count as
/// "not yet" and the last one is reported on timeout.
func eventually<T>(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var last = "no result"
    while true {
        do {
            if let value = try await body() { return value }
        } catch {
            last = "\(error)"
        }
        guard ContinuousClock.now < deadline else {
            Issue.record("\(what): not within \(timeout) (last: \(last))", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}
