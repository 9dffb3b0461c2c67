import Dispatch

/// Asynchronous SRV lookups: libresolv's blocking `res_nquery` runs on a thread of its own
/// (``ResolverThread``), off Swift's cooperative pool and libdispatch's, and the caller waits
/// on a continuation that ends at the first of the answer, the timeout and Task cancellation.
///
/// On a timeout or a cancellation the caller returns at once; the blocked query (which cannot be
/// interrupted) finishes in the background within libresolv's own limits
/// (``ResolverQuery/Attempts``: about a second past the timeout at most) and its result is
/// dropped.
package enum SRVLookup {
    /// The SRV records of `name`, in the order the name server sent them.
    ///
    /// - Parameters:
    ///   - name: An absolute name such as `_etcd-client._tcp.example.com`; no search domain is
    ///     appended.
    ///   - nameServer: The one server to ask; `nil` uses `/etc/resolv.conf`'s.
    ///   - timeout: The longest the lookup takes, retries included.
    /// - Throws: ``DNSLookupError`` (``DNSLookupError/Kind/timeout`` once `timeout` passed), or
    ///   `CancellationError` when the task is cancelled (nothing is sent if it already was).
    package static func records(for name: String, nameServer: DNSNameServer?, timeout: Duration) async throws -> [SRVRecord] {
        try Task.checkCancellation()
        let race = LookupRace()
        let attempts = ResolverQuery.Attempts(covering: timeout)
        let server = nameServer?.description ?? "system resolver"
        let timedOut = DNSLookupError(kind: .timeout, name: name, nameServer: server, detail: "no answer within \(timeout)")
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.install(continuation)
                let started = ResolverThread.run {
                    let result = ResolverQuery.srv(name: name, nameServer: nameServer, attempts: attempts)
                    race.finish(result.mapError { $0 })
                }
                guard started else {
                    let noThread = DNSLookupError(
                        kind: .resolverUnavailable, name: name, nameServer: server, detail: "no thread for the lookup")
                    race.finish(.failure(noThread))
                    return
                }
                race.finish(after: dispatchInterval(timeout), .failure(timedOut))
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// `duration` for `asyncAfter`, in whole nanoseconds, never negative.
    static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .never }
        return .nanoseconds(Int(clamping: max(0, nanoseconds.partialValue + attoseconds / 1_000_000_000)))
    }
}

/// The first of several outcomes (answer, timeout, cancellation) resumes the continuation,
/// exactly once, whichever thread it arrives on and even if it arrives before the continuation
/// is installed. The state is confined to a serial queue (visible to ThreadSanitizer, which does
/// not see `Synchronization.Mutex` on Linux), so the class is `@unchecked Sendable`.
private final class LookupRace: @unchecked Sendable {
    private let queue = DispatchQueue(label: "swift-etcd-v2.dns.race")
    private var continuation: CheckedContinuation<[SRVRecord], any Error>?
    private var outcome: Result<[SRVRecord], any Error>?
    private var resumed = false

    func install(_ continuation: CheckedContinuation<[SRVRecord], any Error>) {
        queue.async { [self] in
            self.continuation = continuation
            resumeIfReady()
        }
    }

    /// ``finish(_:)`` with `outcome` once `delay` has passed, unless another came first.
    func finish(after delay: DispatchTimeInterval, _ outcome: Result<[SRVRecord], any Error>) {
        queue.asyncAfter(deadline: .now() + delay) { [self] in settle(outcome) }
    }

    func finish(_ outcome: Result<[SRVRecord], any Error>) {
        queue.async { [self] in settle(outcome) }
    }

    /// On `queue`: keeps the first outcome, and resumes once it and the continuation are there.
    private func settle(_ outcome: Result<[SRVRecord], any Error>) {
        if self.outcome == nil { self.outcome = outcome }
        resumeIfReady()
    }

    /// On `queue`: resumes once both the continuation and an outcome are there.
    private func resumeIfReady() {
        guard !resumed, let continuation, let outcome else { return }
        resumed = true
        self.continuation = nil
        continuation.resume(with: outcome)
    }
}
