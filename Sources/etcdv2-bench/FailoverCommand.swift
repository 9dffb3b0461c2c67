import ArgumentParser
import EtcdV2
import Foundation

/// `failover`: how long the first write takes to succeed after the member the client is pinned
/// to is killed or stopped, per `../shared/anchors/README.md` (scenarios, steps and fields).
struct FailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Kill or stop the pinned member of a 3-member cluster (ANCHOR_CLUSTER_SH) and time the next write."
    )

    struct Scenario {
        var name: String
        var fault: String  // kill9 | sigstop
        var role: String  // leader | follower
        /// The header timeout; `nil`: the library's default configuration.
        var headerTimeout: Duration?
    }

    static let scenarios = [
        Scenario(name: "kill9-follower", fault: "kill9", role: "follower", headerTimeout: .seconds(1)),
        Scenario(name: "kill9-leader", fault: "kill9", role: "leader", headerTimeout: .seconds(1)),
        Scenario(name: "sigstop-follower-ht1s", fault: "sigstop", role: "follower", headerTimeout: .seconds(1)),
        Scenario(name: "sigstop-leader-ht1s", fault: "sigstop", role: "leader", headerTimeout: .seconds(1)),
        Scenario(name: "sigstop-follower-default", fault: "sigstop", role: "follower", headerTimeout: nil),
    ]

    func run() async throws {
        let endpoints = BenchSupport.environment("ETCD_ENDPOINTS", default: "http://127.0.0.1:22389")
            .split(separator: ",").map(String.init)
        let bound = Duration.seconds(Int(BenchSupport.environment("ANCHOR_HANG_BOUND_S", default: "10")) ?? 10)
        let wanted = BenchSupport.environment("ANCHOR_FAILOVER_SCENARIOS", default: "")
            .split(separator: ",").map(String.init)
        for scenario in Self.scenarios where wanted.isEmpty || wanted.contains(scenario.name) {
            BenchSupport.emit(await run(scenario, endpoints: endpoints, bound: bound))
        }
    }

    private func run(_ scenario: Scenario, endpoints: [String], bound: Duration) async -> [String: Any] {
        var result: [String: Any] = [
            "test": "failover", "scenario": scenario.name, "fault": scenario.fault, "victim_role": scenario.role,
            "header_timeout_ms": scenario.headerTimeout.map { BenchSupport.milliseconds($0) } ?? 5_000,
            "bound_s": BenchSupport.milliseconds(bound) / 1_000,
        ]
        do {
            try await ClusterScript.run("wait-healthy", "60")
            var configuration = EtcdClient.Configuration(endpoints: endpoints)
            configuration.directPath = benchDirectPath
            if let headerTimeout = scenario.headerTimeout { configuration.headerTimeoutPerRequest = headerTimeout }
            let client = try EtcdClient(configuration: configuration)
            defer { Task { await client.shutdown() } }
            // The bench's write is a plain set of a constant: harmless to apply twice, so it
            // fails over like a read (as Go's Set does); see `treatingWritesAsIdempotent()`.
            let keys = client.keys.treatingWritesAsIdempotent()
            result["transport"] =
                "one client: " + benchDirectDescription + "; header timeout \(configuration.headerTimeoutPerRequest.map { "\($0)" } ?? "none"), "
                + "health probe every 2 s; writes declared idempotent (constant set)"
            try await warmUp(keys)
            // The pinned endpoint is where the next request goes first.
            let victim = client.pinnedEndpoint
            result["victim"] = victim
            try await ClusterScript.run(scenario.role == "follower" ? "ensure-follower" : "make-leader", victim)
            try await warmUp(keys)
            guard client.pinnedEndpoint == victim else {
                throw BenchFailure("the pinned endpoint moved during the warm-up")
            }
            result["victim_role_observed"] = (try? await ClusterScript.run("role", victim)) ?? "unknown"
            let restore = scenario.fault == "kill9" ? "revive" : "cont"
            try await ClusterScript.run(scenario.fault, victim)
            await measure(keys, bound: bound, into: &result)
            if result["success"] as? Bool == true { await measureNext(keys, into: &result) }
            try await ClusterScript.run(restore, victim)
            result["ok"] = true
        } catch {
            result["ok"] = false
            result["error"] = "\(error)"
        }
        return result
    }

    private func warmUp(_ keys: KeysAPI) async throws {
        for _ in 0..<3 { _ = try await keys.timeout(.seconds(10)).set("/anchors/fo/k", value: "warm") }
    }

    /// Sets the key until a write succeeds, with a 10 ms pause after each failure.
    private func measure(_ keys: KeysAPI, bound: Duration, into result: inout [String: Any]) async {
        let start = ContinuousClock.now
        var attempts = 0
        var errors: [String] = []
        var hung = false
        var success = false
        while ContinuousClock.now - start < bound {
            attempts += 1
            do {
                _ = try await keys.timeout(bound - (ContinuousClock.now - start)).set("/anchors/fo/k", value: "after")
                success = true
                break
            } catch {
                if error is EtcdDeadlineExceeded { hung = true }
                if errors.count < 3 {
                    errors.append("+\(Int(BenchSupport.milliseconds(ContinuousClock.now - start)))ms: \(error)")
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let elapsed = BenchSupport.milliseconds(ContinuousClock.now - start)
        result["attempts"] = attempts
        result["success"] = success
        result["hung"] = hung && !success
        result["failover_ms"] = success ? elapsed : NSNull()
        if !success { result["gave_up_after_ms"] = elapsed }
        result["errors_before_success"] = errors.count
        if !errors.isEmpty { result["errors_sample"] = errors }
    }

    /// The write after the first success must not pay a timeout again.
    private func measureNext(_ keys: KeysAPI, into result: inout [String: Any]) async {
        let start = ContinuousClock.now
        do {
            _ = try await keys.timeout(.seconds(10)).set("/anchors/fo/k", value: "next")
            result["next_ms"] = BenchSupport.milliseconds(ContinuousClock.now - start)
        } catch {
            result["next_error"] = "\(error)"
        }
    }
}

/// `cluster.sh` from `ANCHOR_CLUSTER_SH`: the harness's fault helpers.
///
/// Run through `popen`/`pclose` on a dispatch thread: Foundation's `Process.waitUntilExit()`
/// never returned here (libcorelibs-foundation 6.3 on Linux, seen with a child that had exited),
/// and a blocking wait must not hold a thread of the cooperative pool.
enum ClusterScript {
    /// Runs `cluster.sh arguments…` and returns its trimmed stdout; throws on a non-zero exit
    /// with what it printed on stderr.
    @discardableResult
    static func run(_ arguments: String...) async throws -> String {
        let script = BenchSupport.environment("ANCHOR_CLUSTER_SH", default: "cluster.sh")
        let errorFile = "/tmp/etcdv2-bench-cluster-sh-\(getpid()).err"
        let command = ([script] + arguments).map(quoted).joined(separator: " ") + " 2>" + quoted(errorFile)
        let (status, output) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: shell(command)) }
        }
        let errors = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
        unlink(errorFile)
        guard status == 0 else {
            throw BenchFailure("cluster.sh \(arguments.joined(separator: " ")): exit status \(status): \(errors)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `command` with `/bin/sh`; its exit status and stdout.
    private static func shell(_ command: String) -> (Int32, String) {
        guard let pipe = popen(command, "r") else { return (-1, "") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        let status = pclose(pipe)
        return ((status >> 8) & 0xff, String(decoding: output, as: UTF8.self))
    }

    private static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
