import Foundation
import Glibc

/// An etcd process that joins a running ``EtcdCluster`` as a new member, for tests of
/// membership changes: add the member through the API with ``peerURL``, then ``start()`` it.
///
/// Its ports come from ``FreePort``, its data directory and log live in the cluster's folder,
/// and its process is spawned and recorded like the cluster's own (``ChildProcess``,
/// ``ProcessRegistry``), so a crashed run's process is swept by the next run. Use it through
/// ``EtcdCluster/withJoiningMember(name:_:)``, which kills it when the body ends or throws,
/// before the cluster is torn down; `deinit` kills it as a last resort.
public final class JoiningMember: Sendable {
    struct State: Sendable {
        var pid: pid_t?
        var peerPort: UInt16
    }

    /// The member's `--name`.
    public let name: String
    /// Its client URL, `http://127.0.0.1:PORT`.
    public let clientURL: String
    let cluster: EtcdCluster
    let dataDirectory: String
    let logPath: String
    let state: Locked<State>

    init(cluster: EtcdCluster, name: String) throws {
        self.cluster = cluster
        self.name = name
        self.clientURL = "http://127.0.0.1:\(try FreePort.allocate())"
        self.dataDirectory = cluster.directory + "/" + name
        self.logPath = cluster.directory + "/" + name + ".log"
        self.state = Locked(State(peerPort: try FreePort.allocate()))
    }

    deinit {
        if let pid = state.withLock({ $0.pid }) {
            ChildProcess.killAndReap(pid)
            ProcessRegistry.forget(pid)
        }
    }

    /// Its peer URL, `http://127.0.0.1:PORT`: pass it to the members API's add before
    /// ``start()``.
    public var peerURL: String { "http://127.0.0.1:\(state.withLock { $0.peerPort })" }

    /// A fresh peer URL (a new free port) for a member update; ``restart(peerURL:)`` moves
    /// the member there.
    public func allocatePeerURL() throws -> String { "http://127.0.0.1:\(try FreePort.allocate())" }

    /// The process ID, or `nil` when not running.
    public var pid: Int32? { state.withLock { $0.pid } }

    /// Starts the member with `--initial-cluster-state existing` and an `--initial-cluster`
    /// built from the cluster's `/v2/members` (each member's name and advertised peer URLs;
    /// the added, unstarted member whose peer URL is ``peerURL`` gets ``name``), and waits
    /// until it answers `/health` as healthy.
    ///
    /// - Throws: ``EtcdHarnessError/startFailed(_:)`` if the member list cannot be read or
    ///   does not contain ``peerURL``; ``EtcdHarnessError/notHealthy(_:)`` (with the log's
    ///   tail) if the member exits or is not healthy within 30 seconds.
    public func start() async throws {
        let peerURL = self.peerURL
        let members = try await Self.members(of: cluster)
        guard members.contains(where: { $0.peerURLs.contains(peerURL) }) else {
            throw EtcdHarnessError.startFailed(
                "no member has the peer URL \(peerURL); add it first (members: \(members))")
        }
        let initialCluster = members.flatMap { member in
            member.peerURLs.map { url in "\(url == peerURL ? name : member.name)=\(url)" }
        }.joined(separator: ",")
        try await spawnAndWait(
            arguments: arguments(peerURL: peerURL) + [
                "--initial-advertise-peer-urls", peerURL,
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", "existing",
            ])
    }

    /// Kills the member and starts it again from its data directory, listening for peers
    /// at `peerURL` (after a members-API update of its peer URLs), and waits until it is
    /// healthy: which needs the leader to reach it at the new URL.
    public func restart(peerURL: String) async throws {
        guard let port = try? LoopbackURL(parsing: peerURL).port else {
            throw EtcdHarnessError.invalidArgument("not a loopback peer URL: \(peerURL)")
        }
        await stop()
        state.withLock { $0.peerPort = port }
        try await spawnAndWait(arguments: arguments(peerURL: peerURL))
    }

    /// Kills the member (if it runs) and reaps it.
    public func stop() async {
        guard
            let pid = state.withLock({ state -> pid_t? in
                defer { state.pid = nil }
                return state.pid
            })
        else { return }
        await Blocking.run {
            ChildProcess.killAndReap(pid)
            ProcessRegistry.forget(pid)
        }
    }

    /// Whether the process exited on its own (e.g. after being removed from the cluster);
    /// reaps it if so.
    public func hasExited() -> Bool {
        state.withLock { state in
            guard let pid = state.pid else { return true }
            guard ChildProcess.reapIfExited(pid) != nil else { return false }
            ProcessRegistry.forget(pid)
            state.pid = nil
            return true
        }
    }

    /// The last lines of the member's log.
    public func logTail(lines: Int = 40) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log at \(logPath))" }
        return String(decoding: data.suffix(8192), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The flags every start shares.
    private func arguments(peerURL: String) -> [String] {
        [
            "--name", name,
            "--data-dir", dataDirectory,
            "--listen-client-urls", clientURL,
            "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peerURL,
            "--enable-v2=true",
            "--heartbeat-interval", "50",
            "--election-timeout", "500",
        ] + cluster.extraArguments
    }

    private func spawnAndWait(arguments: [String]) async throws {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("ETCD_") && key != "ETCD_UNSUPPORTED_ARCH" {
            environment[key] = nil
        }
        let pid = try ChildProcess.spawn(
            executable: cluster.binary, arguments: arguments, environment: environment, logPath: logPath)
        ProcessRegistry.record(pid)
        state.withLock { $0.pid = pid }

        let deadline = ContinuousClock.now + EtcdCluster.startTimeout
        var last = "no answer yet"
        while true {
            if hasExited() {
                throw EtcdHarnessError.notHealthy("joining member \(name) exited; log tail:\n\(logTail())")
            }
            do {
                let reply = try await LoopbackHTTP.request("GET", clientURL + "/health", timeout: .seconds(1))
                if reply.status == 200 && reply.body.contains(#""health":"true""#) { return }
                last = "HTTP \(reply.status) \(reply.body.prefix(200))"
            } catch {
                last = "\(error)"
            }
            guard ContinuousClock.now < deadline else {
                throw EtcdHarnessError.notHealthy(
                    "joining member \(name) not healthy after \(EtcdCluster.startTimeout): \(last)\n\(logTail())")
            }
            try await Task.sleep(for: EtcdCluster.pollInterval)
        }
    }

    /// A member as `/v2/members` lists it.
    struct ListedMember: Decodable, CustomStringConvertible {
        var name: String
        var peerURLs: [String]

        var description: String { "\(name.isEmpty ? "(unstarted)" : name) \(peerURLs)" }
    }

    /// `GET /v2/members` from the first running member of `cluster` that answers.
    static func members(of cluster: EtcdCluster) async throws -> [ListedMember] {
        struct List: Decodable { var members: [ListedMember] }
        var problems: [String] = []
        for index in cluster.liveMembers() {
            do {
                let reply = try await LoopbackHTTP.request("GET", cluster.plainClientURL(index) + "/v2/members")
                return try JSONDecoder().decode(List.self, from: Data(reply.body.utf8)).members
            } catch {
                problems.append("member \(index): \(error)")
            }
        }
        throw EtcdHarnessError.startFailed("cannot read /v2/members: " + problems.joined(separator: "; "))
    }
}

extension EtcdCluster {
    /// Prepares a member that can join this cluster (ports allocated, nothing started), runs
    /// `body` with it, and always kills it afterwards, also when `body` throws.
    ///
    /// ```swift
    /// try await cluster.withJoiningMember { joining in
    ///     let member = try await client.members.add(peerURL: joining.peerURL)
    ///     try await joining.start()
    /// }
    /// ```
    ///
    /// - Parameter name: The new member's `--name`; by default `m<memberCount + 1>`.
    public func withJoiningMember<T: Sendable>(
        name: String? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (JoiningMember) async throws -> T
    ) async throws -> T {
        let member = try JoiningMember(cluster: self, name: name ?? "m\(memberCount + 1)")
        let result: T
        do {
            result = try await body(member)
        } catch {
            await member.stop()
            throw error
        }
        await member.stop()
        return result
    }
}
