import EtcdTestSupport
@testable import EtcdV2
import Synchronization
import Testing

/// What a fault test runs through its fault: compare-and-swap increments of one counter, one
/// at a time, and a watch of the counter on the same client.
///
/// An increment from `n` to `n + 1` is a `set` with `prevValue: n`. It is *acknowledged* when
/// the client learns it was applied: a success, or — after an answer that leaves the outcome
/// open (``EtcdOutcomeUnknownError``, etcd's own request timeout 300/301, a cluster error) — a
/// quorum read that finds `n + 1`. A read that finds `n` means it was not applied and it is
/// sent again; anything else is a lost or doubled write, and fails the run. In the end the
/// counter must equal the acknowledged increments, and the watch must have seen every value
/// exactly once, in order.
struct FaultWorkload {
    let client: EtcdClient
    var key = "/fault/counter"
    var increments = 1_000
    /// The run fails if the counter is not done by then.
    var limit: Duration = .seconds(120)

    /// What the run saw.
    struct Report: CustomStringConvertible {
        var acknowledged = 0
        /// Increments acknowledged only after a read resolved an open outcome.
        var resolvedByReading = 0
        /// Attempts whose outcome was open (and was resolved by reading).
        var openOutcomes = 0
        /// Attempts that failed before reaching etcd (sent again at once).
        var failedAttempts = 0
        var firstErrors: [String] = []
        /// When each increment was acknowledged.
        var acknowledgedAt: [ContinuousClock.Instant] = []
        /// The counter's values, as the watch delivered them.
        var watched: [Int] = []
        var final = 0

        /// The longest time without an acknowledged increment after `instant`, until the first
        /// acknowledgement after it.
        func firstAcknowledgement(after instant: ContinuousClock.Instant) -> Duration? {
            acknowledgedAt.first { $0 > instant }.map { $0 - instant }
        }

        /// The longest gap between two acknowledgements.
        var longestGap: Duration {
            zip(acknowledgedAt, acknowledgedAt.dropFirst()).map { $1 - $0 }.max() ?? .zero
        }

        var description: String {
            "acknowledged \(acknowledged) (\(resolvedByReading) by reading), open outcomes \(openOutcomes), "
                + "failed attempts \(failedAttempts), longest gap \(longestGap), first errors \(firstErrors)"
        }
    }

    /// Acknowledged increments so far, for the fault task to pace itself.
    final class Progress: Sendable {
        private let count = Atomic(0)
        var acknowledged: Int { count.load(ordering: .relaxed) }
        func add() { count.add(1, ordering: .relaxed) }

        /// Returns once `target` increments are acknowledged.
        func wait(for target: Int) async throws {
            while acknowledged < target { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// Runs the increments and the watch while `fault` runs beside them, and returns what
    /// happened; every check that does not depend on the fault is made here.
    func run(
        fault: @escaping @Sendable (Progress) async throws -> Void
    ) async throws -> Report {
        let start = try await client.keys.set(key, value: "0")
        let watching = watchValues(after: start.index ?? 0)
        defer { watching.cancel() }
        let progress = Progress()
        let faults = Task { try await fault(progress) }
        defer { faults.cancel() }
        var report = try await increment(progress: progress)
        try await faults.value
        report.watched = try await value(of: watching, within: .seconds(30))
        report.final = try await readCounter()

        #expect(report.acknowledged == increments)
        #expect(report.final == report.acknowledged, "the counter must equal the acknowledged increments: \(report)")
        #expect(report.watched == Array(1...increments), "the watch must see every value once, in order")
        return report
    }

    private func increment(progress: Progress) async throws -> Report {
        var report = Report()
        let deadline = ContinuousClock.now + limit
        var current = 0
        while current < increments {
            guard ContinuousClock.now < deadline else {
                Issue.record("only \(current) of \(increments) increments within \(limit): \(report)")
                return report
            }
            let next = current + 1
            var open = false
            do {
                _ = try await client.keys.set(key, value: "\(next)", options: .init(prevValue: "\(current)"))
            } catch let error as EtcdError where error.isTestFailed {
                open = true  // an earlier open attempt was applied after all
                note(error, in: &report)
            } catch let error as EtcdOutcomeUnknownError {
                open = true
                note(error, in: &report)
            } catch let error as EtcdError where error.isRaftError {
                open = true  // etcd's own request timeout: the proposal may still commit
                note(error, in: &report)
            } catch let error as EtcdClusterError {
                // Every endpoint failed; a possibly-sent write would have stopped the attempt,
                // so this one reached none of them. Pause, as a caller would, and send it again.
                report.failedAttempts += 1
                note(error, in: &report)
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            if open {
                report.openOutcomes += 1
                let found = try await readCounter()
                if found == current { continue }  // not applied: send it again
                guard found == next else {
                    Issue.record("the counter went from \(current) to \(found): a write was lost or applied twice")
                    return report
                }
                report.resolvedByReading += 1
            }
            current = next
            report.acknowledged += 1
            report.acknowledgedAt.append(.now)
            progress.add()
        }
        return report
    }

    /// The counter, read with quorum; retried while the cluster cannot answer.
    private func readCounter() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let value: String?
            do {
                value = try await client.keys.get(key, options: .init(quorum: true)).node?.value
            } catch let error as EtcdError where !error.isRaftError {
                throw error
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            return try #require(value.flatMap { Int($0) }, "the counter holds \(String(describing: value))")
        }
    }

    private func watchValues(after index: UInt64) -> Task<[Int], any Error> {
        let (client, key, increments) = (client, key, increments)
        return Task {
            var values: [Int] = []
            for try await event in client.keys.watch(key, options: .init(afterIndex: index)) {
                switch event {
                case .change(let response):
                    let value = try #require(response.node?.value.flatMap { Int($0) })
                    values.append(value)
                    if value >= increments { return values }
                case .resynced:
                    Issue.record("the watch lost events (resynced after \(values.count))")
                    return values
                }
            }
            return values
        }
    }

    private func note(_ error: any Error, in report: inout Report) {
        if report.firstErrors.count < 3 { report.firstErrors.append("\(error)") }
    }
}

/// An instant one task marks and another reads.
final class Moment: Sendable {
    private let value = Mutex<ContinuousClock.Instant?>(nil)
    func mark() { value.withLock { $0 = .now } }
    var instant: ContinuousClock.Instant? { value.withLock { $0 } }
}

/// A client for fault tests: a 1 s header timeout, endpoints in the given order (the first is
/// pinned), and a health probe every 300 ms so that a stopped or isolated member serving the
/// watch is left quickly.
func faultTestClient(endpoints: [String]) throws -> EtcdClient {
    try EtcdClient(configuration: .init(
        endpoints: endpoints, headerTimeoutPerRequest: .seconds(1), shuffleEndpoints: false,
        healthCheck: .init(interval: .milliseconds(300), probeTimeout: .milliseconds(500))))
}

/// Prints a scenario's figures, for the record (the assertions are in the tests).
func record(_ scenario: String, _ report: FaultWorkload.Report, recovery: Duration?) {
    let recovered = recovery.map { "\($0.milliseconds) ms" } ?? "n/a"
    print("fault scenario \(scenario): recovery \(recovered); \(report)")
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
