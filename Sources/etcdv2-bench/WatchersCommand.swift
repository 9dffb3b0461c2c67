import ArgumentParser
import CurlTransport
import Dispatch
import EtcdV2
import Foundation
import Synchronization

/// `watchers W`: W concurrent watches on one client, the memory they cost, and how fast all
/// W events arrive once every watched key is written.
struct WatchersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watchers", abstract: "W concurrent watches.")
    @Argument var w: Int

    func run() async throws {
        raiseFileLimit()
        let endpoints = BenchSupport.environment("ETCD_ENDPOINTS", default: "http://127.0.0.1:22379")
            .split(separator: ",").map(String.init)
        let client = try makeBenchClient(headerTimeout: .seconds(10))
        let keys = client.keys
        let statsTransport = try CurlTransport()
        let dir = "/anchors/w"
        _ = try? await keys.delete(dir, options: .init(recursive: true, dir: true))
        let start = try await keys.set(dir + "/_start", value: "x")
        let startIndex = start.index ?? start.node?.modifiedIndex ?? 0
        let baseline = await storeWatchers(endpoints[0], statsTransport) ?? 0
        let mallocStats = BenchSupport.environment("ANCHOR_WATCH_MALLOC_STATS", default: "0") == "1"
        if mallocStats { BenchSupport.printMallocStats("base") }
        let rssBase = BenchSupport.statusKB("VmRSS")
        let cpu0 = BenchSupport.cpu()

        let counters = WatchCounters()
        let establishStart = ContinuousClock.now
        let watchers = Task {
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<w {
                    let key = paddedKey(dir + "/k", i)
                    group.addTask {
                        do {
                            var iterator = keys.watch(key, options: .init(afterIndex: startIndex)).makeAsyncIterator()
                            let event = try await iterator.next()
                            let now = DispatchTime.now().uptimeNanoseconds
                            var old = counters.lastEvent.load(ordering: .relaxed)
                            while now > old {
                                let (exchanged, current) = counters.lastEvent.compareExchange(expected: old, desired: now, ordering: .relaxed)
                                if exchanged { break }
                                old = current
                            }
                            guard case .change(let response)? = event, response.node?.key == key, response.action == .set else {
                                if event != nil { counters.bad.add(1, ordering: .relaxed) }
                                return
                            }
                            counters.received.add(1, ordering: .relaxed)
                        } catch {
                            counters.bad.add(1, ordering: .relaxed)
                            counters.firstError.withLock { $0 = $0 ?? "\(error)" }
                        }
                    }
                }
            }
        }

        var established = false
        var seen = 0
        let establishBound = ContinuousClock.now + .seconds(Int(BenchSupport.environment("ANCHOR_WATCH_ESTABLISH_S", default: "120")) ?? 120)
        while ContinuousClock.now < establishBound {
            if let count = await storeWatchers(endpoints[0], statsTransport) {
                seen = count - baseline
                if seen >= w { established = true; break }
            }
            if counters.bad.load(ordering: .relaxed) > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let establishDuration = ContinuousClock.now - establishStart
        try await Task.sleep(for: .milliseconds(200))
        let rssEstablished = BenchSupport.statusKB("VmRSS")
        if mallocStats { BenchSupport.printMallocStats("established") }
        let cpuEstablished = BenchSupport.cpu()
        var fields: [String: Any] = [
            "test": "watchers", "w": w, "transport": benchTransportDescription + "; one long poll per watch, each on its own kept-alive connection",
            "established": established, "established_seen": seen,
            "establish_s": BenchSupport.milliseconds(establishDuration) / 1000,
            "rss_base_kb": rssBase, "rss_established_kb": rssEstablished,
            "kb_per_watcher": Double(rssEstablished - rssBase) / Double(max(w, 1)),
            "establish_cpu_s": (cpuEstablished.user + cpuEstablished.system) - (cpu0.user + cpu0.system),
            "threads": BenchSupport.statusKB("Threads"),
        ]
        if BenchSupport.environment("ANCHOR_WATCH_EXIT_AFTER_ESTABLISH", default: "0") == "1" {
            // For heap profilers: what is still allocated at exit is the established state.
            BenchSupport.emit(fields)
            Foundation.exit(0)
        }
        guard established else {
            fields["ok"] = false
            if let error = counters.firstError.withLock({ $0 }) { fields["first_error"] = error }
            watchers.cancel()
            BenchSupport.emit(fields)
            await client.shutdown()
            return
        }

        let writers = Int(BenchSupport.environment("ANCHOR_WATCH_WRITERS", default: "16")) ?? 16
        let writeStart = DispatchTime.now().uptimeNanoseconds
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    while true {
                        let i = counters.next.add(1, ordering: .relaxed).oldValue
                        guard i < w else { return }
                        do {
                            _ = try await keys.set(paddedKey(dir + "/k", i), value: "v")
                        } catch {
                            counters.writeErrors.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        let writesNanos = DispatchTime.now().uptimeNanoseconds - writeStart
        let eventsBound = Int(BenchSupport.environment("ANCHOR_WATCH_EVENTS_S", default: "120")) ?? 120
        let timeout = Task {
            try await Task.sleep(for: .seconds(eventsBound))
            watchers.cancel()
        }
        await watchers.value
        let timedOut = counters.received.load(ordering: .relaxed) + counters.bad.load(ordering: .relaxed) < w
        timeout.cancel()
        let cpu1 = BenchSupport.cpu()
        let allEventsNanos = counters.lastEvent.load(ordering: .relaxed) &- writeStart
        let events = counters.received.load(ordering: .relaxed)
        fields["writers"] = writers
        fields["write_errors"] = counters.writeErrors.load(ordering: .relaxed)
        fields["writes_s"] = Double(writesNanos) / 1e9
        fields["events"] = events
        fields["bad_events"] = counters.bad.load(ordering: .relaxed)
        fields["all_events_s"] = Double(allEventsNanos) / 1e9
        fields["events_after_writes_ms"] = (Double(allEventsNanos) - Double(writesNanos)) / 1e6
        fields["timed_out"] = timedOut
        fields["ok"] = !timedOut && events == w && counters.writeErrors.load(ordering: .relaxed) == 0
        fields["n"] = w
        fields["wall_s"] = Double(allEventsNanos) / 1e9
        fields["cpu_user_s"] = cpu1.user - cpuEstablished.user
        fields["cpu_sys_s"] = cpu1.system - cpuEstablished.system
        fields["max_rss_kb"] = BenchSupport.statusKB("VmHWM")
        if let error = counters.firstError.withLock({ $0 }) { fields["first_error"] = error }
        BenchSupport.emit(fields)
        await client.shutdown()
        await statsTransport.shutdown()
    }

    /// `watchers` of `/v2/stats/store`.
    private func storeWatchers(_ endpoint: String, _ transport: CurlTransport) async -> Int? {
        let request = TransportRequest(
            method: .get, endpoint: endpoint, pathAndQuery: "/v2/stats/store", headerTimeout: .seconds(2))
        guard let response = try? await transport.execute(request),
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { return nil }
        return (object["watchers"] as? NSNumber)?.intValue
    }

    /// One socket per watch: lift the soft limit on open files to the hard one.
    private func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// The counters the watch and writer tasks share.
final class WatchCounters: Sendable {
    let received = Atomic<Int>(0)
    let bad = Atomic<Int>(0)
    let lastEvent = Atomic<UInt64>(0)
    let firstError = Mutex<String?>(nil)
    let next = Atomic<Int>(0)
    let writeErrors = Atomic<Int>(0)
}
