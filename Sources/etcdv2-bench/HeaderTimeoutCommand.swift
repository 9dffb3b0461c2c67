import ArgumentParser
import CurlTransport
import Foundation

/// `headertimeout MS`: how closely the header timeout fires against a server that accepts and
/// never answers. Optionally with other requests kept in flight on the same transport.
struct HeaderTimeoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headertimeout",
        abstract: "Time the header timeout against a black-hole server (ANCHOR_BLACKHOLE)."
    )

    @Argument(help: "The header timeout in milliseconds.")
    var milliseconds: Int

    @Option(help: "Requests kept in flight against ETCD_ENDPOINTS on the same transport while measuring.")
    var load: Int = 0

    func run() async throws {
        let blackHole = EndpointURL(BenchSupport.environment("ANCHOR_BLACKHOLE", default: "http://127.0.0.1:22399"))
        let tries = Int(BenchSupport.environment("ANCHOR_HT_TRIES", default: "20")) ?? 20
        let transport = try CurlTransport(configuration: TransportConfiguration(directPath: benchDirectPath))
        let timeout = Duration.milliseconds(milliseconds)
        let loadTask = startLoad(on: transport)
        defer { loadTask?.cancel() }

        // Like the keys benchmarks: the measuring loop runs on the transport's executor unless
        // ETCDV2_BENCH_EXECUTOR=pool (then it is resumed on the cooperative pool).
        await withTaskExecutorPreference(benchOnLoop ? transport.executor : nil) {
            for op in ["get", "set"] {
                var observed: [Double] = []
                /// The time from the call to the error as the transport measured it, on its loop.
                var transportMeasured: [Double] = []
                var errors = 0
                var timeouts = 0
                var hung = 0
                var sample = ""
                let before = BenchSupport.cpu()
                for _ in 0..<tries {
                    let request = TransportRequest(
                        method: op == "get" ? .get : .put,
                        endpoint: blackHole.endpoint,
                        pathAndQuery: "/v2/keys/bench",
                        headers: op == "get" ? [] : [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                        body: op == "get" ? nil : Array("value=0123456789abcdef0123456789abcdef".utf8),
                        headerTimeout: timeout,
                        deadline: timeout * 10 + .seconds(5)  // guard against hanging forever
                    )
                    let start = ContinuousClock.now
                    do {
                        _ = try await transport.execute(request)
                    } catch let error as TransportError {
                        errors += 1
                        if let elapsed = error.elapsed { transportMeasured.append(BenchSupport.milliseconds(elapsed)) }
                        if sample.isEmpty { sample = error.description }
                        switch error.kind {
                        case .headerTimeout: timeouts += 1
                        case .deadlineExceeded: hung += 1
                        default: break
                        }
                    } catch {
                        errors += 1
                        if sample.isEmpty { sample = "\(error)" }
                    }
                    observed.append(BenchSupport.milliseconds(ContinuousClock.now - start))
                }
                let after = BenchSupport.cpu()
                let configured = Double(milliseconds)
                let minimum = observed.min() ?? 0
                let maximum = observed.max() ?? 0
                let median = BenchSupport.median(observed)
                BenchSupport.emit([
                    "test": "headertimeout", "op": op, "configured_ms": milliseconds, "tries": tries,
                    "transport": "one transport: " + benchDirectDescription + "; header timer on the event loop's timerfd; "
                        + (benchOnLoop ? "caller on the transport's executor" : "caller on the cooperative pool") + "; load=\(load)",
                    "errors": errors, "hung": hung, "timeout_errors": timeouts, "ok": timeouts == tries,
                    "observed_ms_min": minimum, "observed_ms_median": median, "observed_ms_max": maximum,
                    "dev_ms_min": minimum - configured, "dev_ms_median": median - configured,
                    "transport_dev_ms_median": BenchSupport.median(transportMeasured) - configured,
                    "dev_ms_max": maximum - configured, "ratio_median": median / configured, "error": sample,
                    "cpu_user_s": after.user - before.user, "cpu_sys_s": after.system - before.system,
                    "max_rss_kb": BenchSupport.statusKB("VmHWM"), "load": load,
                ])
            }
        }
        loadTask?.cancel()
        await transport.shutdown()
    }

    /// Keeps `load` GETs of `/v2/keys/bench` in flight against the first of ETCD_ENDPOINTS.
    private func startLoad(on transport: CurlTransport) -> Task<Void, Never>? {
        guard load > 0 else { return nil }
        let first = BenchSupport.environment("ETCD_ENDPOINTS", default: "http://127.0.0.1:22379")
            .split(separator: ",").first.map(String.init) ?? ""
        let endpoint = EndpointURL(first).endpoint
        let workers = load
        return Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    // On the pool: "other requests in flight on the same transport", not other
                    // work on its I/O thread (which would delay the measuring task itself).
                    group.addTask {
                        let request = TransportRequest(method: .get, endpoint: endpoint, pathAndQuery: "/v2/keys/bench")
                        while !Task.isCancelled {
                            _ = try? await transport.execute(request)
                        }
                    }
                }
            }
        }
    }
}
