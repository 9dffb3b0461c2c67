internal import CEpoll
package import Logging

/// An HTTP/1.1 client on libcurl's multi interface, with precise timeouts and typed errors.
///
/// One transport owns one libcurl multi handle, driven from one event-loop thread
/// (``MultiDriver`` on an ``EventLoop``). Any number of requests may be in flight at once; they
/// share libcurl's connection cache, so connections to an endpoint are kept alive and reused.
/// A task that prefers the transport's ``executor`` runs on that thread, and its requests then
/// cross no thread at all.
///
/// ```swift
/// let transport = try CurlTransport()
/// let response = try await transport.execute(
///     TransportRequest(method: .get, endpoint: "http://127.0.0.1:2379", pathAndQuery: "/version",
///                      headerTimeout: .milliseconds(500)))
/// await transport.shutdown()
/// ```
///
/// - Timeouts count from the call to ``execute(_:)``: the *header timeout* until the final
///   response header block has arrived, the *deadline* until the whole response has; the
///   *connect timeout* (``TransportConfiguration/connectTimeout``) bounds each new connection.
/// - Cancelling the calling task removes the transfer at once and throws `CancellationError`.
/// - Every other failure is a ``TransportError``.
package final class CurlTransport: Sendable {
    private let driver: MultiDriver

    /// The clock every timeout of the transport is measured on: `CLOCK_MONOTONIC`, in
    /// nanoseconds. Layers above that keep deadlines of their own read the same clock.
    package static func monotonicNanoseconds() -> UInt64 {
        ccepoll_monotonic_ns()
    }

    package init(
        configuration: TransportConfiguration = TransportConfiguration(),
        logger: Logger = Logger(label: "swift-etcd-v2.transport")
    ) throws(TransportError) {
        driver = try MultiDriver(configuration: configuration, logger: logger)
    }

    deinit {
        let driver = self.driver
        driver.loop.execute { driver.shutdown(nil) }
    }

    /// The transport's event-loop thread as a `TaskExecutor`. Code run under
    /// `withTaskExecutorPreference(transport.executor)` shares the thread with the transfers,
    /// so a request's start and its continuation's resumption cost no thread hand-off. Such
    /// code must not block: it would stall every transfer of the transport.
    package var executor: any TaskExecutor { driver.loop }

    /// The libcurl in use, e.g. `libcurl/7.88.1 OpenSSL/3.0.19 …`.
    package static var libcurlVersion: String { CurlGlobal.version }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: `CancellationError` if the calling task is cancelled (before or during the
    ///   transfer); ``TransportError`` for everything that prevented a complete response.
    package func execute(_ request: consuming TransportRequest) async throws -> TransportResponse {
        try await run(Transfer(request: request, startNanos: ccepoll_monotonic_ns()))
    }

    /// Sends `request` as ``execute(_:)`` does, and first hands `register` a closure that
    /// abandons the transfer from outside the calling task: the transfer is removed at once and
    /// this call throws `CancellationError`, as if the task had been cancelled. The closure may
    /// be called any number of times, also after the call returned (it then does nothing).
    ///
    /// A watch uses it so that a health probe can move its long poll off an endpoint without a
    /// task of its own per long poll.
    package func execute(
        _ request: TransportRequest, abandonable register: (_ abandon: @escaping @Sendable () -> Void) -> Void
    ) async throws -> TransportResponse {
        let transfer = Transfer(request: request, startNanos: ccepoll_monotonic_ns())
        let driver = self.driver
        let loop = driver.loop
        register { loop.execute { driver.cancel(transfer) } }
        return try await run(transfer)
    }

    private func run(_ transfer: Transfer) async throws -> TransportResponse {
        let driver = self.driver
        let loop = driver.loop
        return try await withTaskCancellationHandler {
            // Unsafe rather than checked: the driver resumes each transfer exactly once
            // (``MultiDriver/complete(_:_:)`` is its one exit), and the check costs an
            // allocation per request.
            try await withUnsafeThrowingContinuation { continuation in
                if loop.inLoop, !Task.isCancelled {
                    // A task on the loop's executor: start now, on this thread. (A cancelled
                    // one posts, so that the cancel posted before runs first.)
                    driver.start(transfer, continuation: continuation)
                } else {
                    loop.execute { driver.start(transfer, continuation: continuation) }
                }
            }
        } onCancel: {
            // Runs before the operation when the task is already cancelled: the loop then sees
            // the cancel first, and `start` finishes the transfer without sending it. (On the
            // loop's own thread it is posted too, so it never runs inside a libcurl call.)
            loop.execute { driver.cancel(transfer) }
        }
    }

    /// Fails the transfers in flight with ``TransportError/Kind/shutdown``, releases every
    /// libcurl handle, and returns once every socket is closed. Later requests fail the same way.
    package func shutdown() async {
        let driver = self.driver
        await withCheckedContinuation { continuation in
            driver.loop.execute { driver.shutdown(continuation) }
        }
    }

    /// A snapshot of the transport's counters.
    package func statistics() async -> TransportStatistics {
        let driver = self.driver
        return await withCheckedContinuation { continuation in
            driver.loop.execute {
                var statistics = driver.statistics
                statistics.runningTransfers = driver.runningCount
                statistics.trackedSockets = driver.sockets.count + driver.direct.connections.count
                continuation.resume(returning: statistics)
            }
        }
    }
}
