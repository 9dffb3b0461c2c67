import Foundation
import Glibc

/// A real etcd cluster (Debian's etcd-server 3.4, `--enable-v2=true`) of one or more
/// members on loopback, for one test.
///
/// Every member gets free client and peer ports, its own data directory and log file in
/// a per-cluster folder under `/tmp/swift-etcd-v2-tests`, and is spawned with
/// `posix_spawn` (empty signal mask, default signal dispositions). Member indices are
/// 0-based; members are named `m1`, `m2`, … in etcd.
///
/// With `peerProxy: true` the members' peer traffic passes a ``PeerProxy``, so a test can
/// cut a member off from its peers with ``isolate(_:)`` while clients still reach it.
///
/// Always end with ``shutdown()``, or use ``withEtcdCluster(members:extraArguments:peerProxy:tls:isolation:_:)``
/// which does so even when the test throws. `deinit` kills whatever is left as a last
/// resort, and a crashed test run's processes are swept by the next run.
///
/// Many clusters may run at once (one per parallel test). Mutable state lives in a
/// `Synchronization.Mutex` (wrapped by `Locked` so ThreadSanitizer can see it).
public final class EtcdCluster: Sendable {
    struct MemberState: Sendable {
        /// The running (or stopped) process; `nil` once killed or found dead.
        var pid: pid_t?
        var isPaused = false
    }

    struct State: Sendable {
        var members: [MemberState]
        var isShutDown = false
    }

    let layout: ClusterLayout
    let binary: String
    let extraArguments: [String]
    /// The proxy every peer connection passes, if the cluster was started with one.
    let peerProxy: PeerProxy?
    let state: Locked<State>

    /// How long ``start(members:extraArguments:peerProxy:tls:binary:)`` waits for a healthy cluster.
    static let startTimeout: Duration = .seconds(30)
    /// How often health is polled.
    static let pollInterval: Duration = .milliseconds(20)

    private init(layout: ClusterLayout, binary: String, extraArguments: [String], peerProxy: PeerProxy?) {
        self.layout = layout
        self.binary = binary
        self.extraArguments = extraArguments
        self.peerProxy = peerProxy
        self.state = Locked(State(members: Array(repeating: MemberState(), count: layout.members.count)))
    }

    deinit {
        tearDown()
    }

    /// `ETCD_BINARY` from the environment if set and non-empty, else `/usr/bin/etcd`.
    public static var defaultBinaryPath: String {
        if let path = ProcessInfo.processInfo.environment["ETCD_BINARY"], !path.isEmpty { return path }
        return "/usr/bin/etcd"
    }

    /// Starts a cluster and waits until every member is healthy and there is a leader.
    ///
    /// If etcd cannot bind a port (another process took it after ``FreePort`` found it
    /// free), the whole start is retried with new ports, up to 3 attempts.
    ///
    /// - Parameters:
    ///   - members: Number of members, at least 1.
    ///   - extraArguments: Flags appended to every member's command line.
    ///   - peerProxy: Route the peer traffic through a ``PeerProxy`` (each member
    ///     advertises a proxy port), for ``isolate(_:)`` and ``heal(_:)``.
    ///   - tls: TLS on the client URLs (`https://`), and optionally client-certificate
    ///     authentication; `nil` serves plain http. Health probes use a second, plain-http
    ///     client port (``plainClientURL(_:)``).
    ///   - binary: The etcd executable; defaults to ``defaultBinaryPath``.
    /// - Throws: ``EtcdHarnessError/binaryMissing(path:)`` if `binary` is not an
    ///   executable file; ``EtcdHarnessError/startFailed(_:)`` (with the log's tail) if a
    ///   member exits or the cluster is not healthy within 30 seconds.
    public static func start(
        members: Int = 1,
        extraArguments: [String] = [],
        peerProxy: Bool = false,
        tls: EtcdClusterTLS? = nil,
        binary: String = defaultBinaryPath
    ) async throws -> EtcdCluster {
        try await start(members: members, extraArguments: extraArguments, peerProxy: peerProxy, binary: binary) { _ in
            try ClusterLayout.create(memberCount: members, tls: tls)
        }
    }

    /// ``start(members:extraArguments:peerProxy:tls:binary:)`` with the layout of each attempt
    /// (1, 2, 3) supplied by `makeLayout`, so tests can provoke a port conflict.
    static func start(
        members: Int,
        extraArguments: [String],
        peerProxy: Bool = false,
        binary: String,
        makeLayout: (_ attempt: Int) throws -> ClusterLayout
    ) async throws -> EtcdCluster {
        guard members >= 1 else { throw EtcdHarnessError.invalidArgument("members must be at least 1, got \(members)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: binary, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isExecutableFile(atPath: binary)
        else { throw EtcdHarnessError.binaryMissing(path: binary) }
        ProcessRegistry.sweepOnce()

        var attempt = 1
        while true {
            var layout = try makeLayout(attempt)
            let proxy = peerProxy ? try startPeerProxy(for: &layout) : nil
            let cluster = EtcdCluster(layout: layout, binary: binary, extraArguments: extraArguments, peerProxy: proxy)
            do {
                for index in 0..<members {
                    let pid = try cluster.spawn(member: index, clusterState: "new")
                    cluster.state.withLock { $0.members[index].pid = pid }
                }
                try await cluster.pollUntilHealthy(timeout: startTimeout, duringStart: true)
                if let proxy { proxy.setMemberIDs(try await cluster.fetchMemberIDs()) }
                return cluster
            } catch is PortRace where attempt < 3 {
                await cluster.shutdown()
                attempt += 1
            } catch let race as PortRace {
                await cluster.shutdown()
                throw EtcdHarnessError.startFailed("\(race.message) (after \(attempt) attempts with fresh ports)")
            } catch {
                await cluster.shutdown()
                throw error
            }
        }
    }

    /// Client URLs (`http://127.0.0.1:PORT`) in member order, including killed members.
    public var clientURLs: [String] { layout.members.map(\.clientURL) }

    /// A plain-http client URL of member `member`, for test setup that must bypass TLS: the
    /// harness's probe port of a TLS cluster, else ``clientURL(_:)``.
    public func plainClientURL(_ member: Int) -> String {
        precondition(layout.members.indices.contains(member), "no etcd member \(member) in 0..<\(memberCount)")
        return layout.members[member].probeURL
    }

    /// The number of members.
    public var memberCount: Int { layout.members.count }

    /// The client URL of member `member` (0-based). The index must be valid.
    public func clientURL(_ member: Int) -> String {
        precondition(layout.members.indices.contains(member), "no etcd member \(member) in 0..<\(memberCount)")
        return layout.members[member].clientURL
    }

    /// The process ID of member `member`, or `nil` if it is killed (or the index invalid).
    public func pid(_ member: Int) -> Int32? {
        state.withLock { state in state.members.indices.contains(member) ? state.members[member].pid : nil }
    }

    /// The cluster's folder under `/tmp/swift-etcd-v2-tests` (removed by ``shutdown()``).
    public var directory: String { layout.directory }

    /// Member `member`'s data directory (`<directory>/mN`), or `nil` for an invalid index.
    public func dataDirectory(_ member: Int) -> String? {
        layout.members.indices.contains(member) ? layout.members[member].dataDirectory : nil
    }

    /// The last lines of member `member`'s log, for diagnosing a failing test.
    public func logTail(_ member: Int, lines: Int = 40) -> String {
        layout.members.indices.contains(member) ? layout.logTail(member: member, lines: lines) : ""
    }

    /// Kills every member with `SIGKILL`, reaps them, stops the peer proxy (closing its
    /// sockets and joining its thread) and deletes the cluster folder.
    /// Idempotent; later calls return at once.
    public func shutdown() async {
        await Blocking.run { [self] in tearDown() }
    }

    /// Spawns member `index` and records its PID in the registry.
    func spawn(member index: Int, clusterState: String) throws -> pid_t {
        var environment = ProcessInfo.processInfo.environment
        // etcd refuses flags also given as ETCD_* variables; the harness owns every flag.
        for key in environment.keys where key.hasPrefix("ETCD_") && key != "ETCD_UNSUPPORTED_ARCH" {
            environment[key] = nil
        }
        let pid = try ChildProcess.spawn(
            executable: binary,
            arguments: layout.arguments(member: index, clusterState: clusterState, extra: extraArguments),
            environment: environment,
            logPath: layout.members[index].logPath)
        ProcessRegistry.record(pid)
        return pid
    }

    /// Synchronous teardown shared by ``shutdown()`` and `deinit`.
    func tearDown() {
        let pids = state.withLock { state -> [pid_t]? in
            guard !state.isShutDown else { return nil }
            state.isShutDown = true
            defer {
                for index in state.members.indices { state.members[index] = MemberState() }
            }
            return state.members.compactMap(\.pid)
        }
        guard let pids else { return }
        for pid in pids { _ = Glibc.kill(pid, SIGKILL) }
        for pid in pids {
            ChildProcess.killAndReap(pid)
            ProcessRegistry.forget(pid)
        }
        peerProxy?.shutdown()
        try? FileManager.default.removeItem(atPath: layout.directory)
    }
}

/// etcd exited because a port was taken: the start is retried with new ports.
struct PortRace: Error {
    var message: String
}
