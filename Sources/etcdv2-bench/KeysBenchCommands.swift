import ArgumentParser
import CurlTransport
import EtcdV2
import Foundation

/// The 32-byte value every benchmark writes.
let benchValue = "0123456789abcdef0123456789abcdef"

/// Where the benchmark's request loops run: `loop` (default) prefers the client's I/O thread
/// (`client.executor`, as the README recommends for hot loops), `pool` runs them on the
/// cooperative pool like any other task (`ETCDV2_BENCH_EXECUTOR=pool`).
let benchOnLoop = BenchSupport.environment("ETCDV2_BENCH_EXECUTOR", default: "loop") != "pool"

/// Which `GET`s skip libcurl (`ETCDV2_BENCH_DIRECT`): `gets` (default, the library's
/// default), `longpolls` (only watches, as before 2026-12-01 evening) or `off` (everything on
/// libcurl), so that both paths can be measured side by side with the same binary.
let benchDirectPath: DirectPathScope =
    switch BenchSupport.environment("ETCDV2_BENCH_DIRECT", default: "gets") {
    case "off": .off
    case "longpolls": .longPolls
    default: .gets
    }

/// How `benchDirectPath` is described in the `transport` field.
let benchDirectDescription =
    switch benchDirectPath {
    case .off: "every request through libcurl"
    case .longPolls: "writes and GETs through libcurl, long polls on the event loop's own sockets (direct path)"
    case .gets: "writes through libcurl, GETs on the event loop's own sockets (direct path)"
    }

/// What every keys benchmark reports about the client: one transport, libcurl's connection cache.
let benchTransportDescription =
    "one transport on one epoll thread: " + benchDirectDescription
    + "; keep-alive cache MAXCONNECTS=64; header timeout 5 s; "
    + (benchOnLoop ? "request loops on the client's executor" : "request loops on the cooperative pool")

/// The executor the request loops prefer (`nil`: the default, the cooperative pool).
func benchExecutor(_ client: EtcdClient) -> (any TaskExecutor)? {
    benchOnLoop ? client.executor : nil
}

/// The client the benchmarks use, on `ETCD_ENDPOINTS`.
func makeBenchClient(headerTimeout: Duration? = .seconds(5)) throws -> EtcdClient {
    let endpoints = BenchSupport.environment("ETCD_ENDPOINTS", default: "http://127.0.0.1:22379")
        .split(separator: ",").map(String.init)
    var configuration = EtcdClient.Configuration(endpoints: endpoints, headerTimeoutPerRequest: headerTimeout)
    configuration.directPath = benchDirectPath
    return try EtcdClient(configuration: configuration)
}

/// Latencies, errors and CPU of a timed request loop, as the contract's fields.
struct LoopResult {
    /// Nanoseconds per request, on the transport's clock (`CLOCK_MONOTONIC`, as cheap to read
    /// as Go's `time.Now`; `ContinuousClock` instants are 128-bit `Duration`s apart).
    var latencies: [UInt64] = []
    var errors = 0
    var firstError: String?

    /// Runs `operation(i)` for i in 0..<count, one at a time, timing each.
    static func timed(_ count: Int, _ operation: (Int) async throws -> Void) async -> LoopResult {
        var result = LoopResult()
        result.latencies.reserveCapacity(count)
        for i in 0..<count {
            let start = CurlTransport.monotonicNanoseconds()
            do {
                try await operation(i)
                result.record(CurlTransport.monotonicNanoseconds() &- start, nil)
            } catch {
                result.record(CurlTransport.monotonicNanoseconds() &- start, error)
            }
        }
        return result
    }

    mutating func record(_ latency: UInt64, _ error: (any Error)?) {
        latencies.append(latency)
        if let error {
            errors += 1
            if firstError == nil { firstError = "\(error)" }
        }
    }

    func fields(test: String, n: Int, conc: Int, wall: Duration, before: (user: Double, system: Double))
        -> [String: Any]
    {
        let after = BenchSupport.cpu()
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return Double(sorted[Int(p * Double(sorted.count - 1))]) / 1000
        }
        var fields: [String: Any] = [
            "test": test, "n": n, "conc": conc, "errors": errors, "ok": errors == 0,
            "wall_s": BenchSupport.milliseconds(wall) / 1000, "cpu_user_s": after.user - before.user,
            "cpu_sys_s": after.system - before.system, "max_rss_kb": BenchSupport.statusKB("VmHWM"),
            "p50_us": percentile(0.5), "p90_us": percentile(0.9), "p99_us": percentile(0.99),
            "max_us": sorted.last.map { Double($0) / 1000 } ?? 0,
            "transport": benchTransportDescription,
        ]
        if let firstError { fields["first_error"] = firstError }
        return fields
    }
}

/// `seqset N`: N sequential sets of `/anchors/seq/k%06d`.
struct SeqSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seqset", abstract: "N sequential sets.")
    @Argument var n: Int

    func run() async throws {
        let client = try makeBenchClient()
        _ = try await client.keys.set("/bench", value: benchValue)
        for _ in 0..<20 { _ = try await client.keys.set("/anchors/seq/warm", value: benchValue) }
        let before = BenchSupport.cpu()
        let start = ContinuousClock.now
        let result = await withTaskExecutorPreference(benchExecutor(client)) {
            await LoopResult.timed(n) { i in
                _ = try await client.keys.set(seqKey(i), value: benchValue)
            }
        }
        BenchSupport.emit(result.fields(test: "seqset", n: n, conc: 1, wall: ContinuousClock.now - start, before: before))
        await client.shutdown()
    }
}

/// `seqget N`: N sequential gets of `/bench`.
struct SeqGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seqget", abstract: "N sequential gets.")
    @Argument var n: Int

    func run() async throws {
        let client = try makeBenchClient()
        _ = try await client.keys.set("/bench", value: benchValue)
        for _ in 0..<20 { _ = try? await client.keys.get("/bench") }
        let before = BenchSupport.cpu()
        let start = ContinuousClock.now
        let result = await withTaskExecutorPreference(benchExecutor(client)) {
            await LoopResult.timed(n) { _ in _ = try await client.keys.get("/bench") }
        }
        BenchSupport.emit(result.fields(test: "seqget", n: n, conc: 1, wall: ContinuousClock.now - start, before: before))
        await client.shutdown()
    }
}

/// `concget CONC N`: N gets of `/bench` in total, from CONC concurrent tasks on one client.
struct ConcGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "concget", abstract: "N gets from CONC tasks.")
    @Argument var conc: Int
    @Argument var n: Int

    func run() async throws {
        let client = try makeBenchClient()
        _ = try await client.keys.set("/bench", value: benchValue)
        let workers = max(1, conc)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers { group.addTask { _ = try? await client.keys.get("/bench") } }
        }
        let total = n
        let before = BenchSupport.cpu()
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: LoopResult.self) { group in
            for worker in 0..<workers {
                let count = total / workers + (worker < total % workers ? 1 : 0)
                group.addTask(executorPreference: benchExecutor(client)) {
                    await LoopResult.timed(count) { _ in _ = try await client.keys.get("/bench") }
                }
            }
            return await group.reduce(into: LoopResult()) { all, part in
                all.latencies += part.latencies
                all.errors += part.errors
                if all.firstError == nil { all.firstError = part.firstError }
            }
        }
        let wall = ContinuousClock.now - start
        BenchSupport.emit(results.fields(test: "concget", n: n, conc: workers, wall: wall, before: before))
        await client.shutdown()
    }
}

/// `/anchors/seq/k%06d`, as Go's `fmt.Sprintf` makes it.
func seqKey(_ i: Int) -> String { paddedKey("/anchors/seq/k", i) }

/// `prefix` followed by `i` (≥ 0) in decimal, zero-padded to 6 digits (`%06d`), written in
/// place.
func paddedKey(_ prefix: String, _ i: Int) -> String {
    let value = max(0, i)
    var width = 1
    var scale = 10
    while value >= scale, width < 19 {
        width += 1
        scale &*= 10
    }
    width = max(width, 6)
    let prefixCount = prefix.utf8.count
    return String(unsafeUninitializedCapacity: prefixCount + width) { buffer in
        var index = 0
        for byte in prefix.utf8 {
            buffer[index] = byte
            index += 1
        }
        var rest = value
        for position in stride(from: prefixCount + width - 1, through: prefixCount, by: -1) {
            buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return prefixCount + width
    }
}
