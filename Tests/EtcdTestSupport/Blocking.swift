import Dispatch

/// Runs blocking work (socket calls with timeouts, `waitpid`) off Swift's cooperative
/// thread pool, which has only as many threads as cores (two on CI): many parallel tests
/// blocking those threads would stall each other.
enum Blocking {
    /// Runs `work` on a global dispatch queue and returns its result.
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// Runs non-throwing `work` on a global dispatch queue and returns its result.
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: work())
            }
        }
    }
}
