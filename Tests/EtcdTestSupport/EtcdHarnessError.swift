/// Why the etcd test harness could not do what a test asked.
///
/// Every case carries a message meant to be read in a failing test's output; where
/// etcd itself was involved the message ends with the tail of that member's log.
public enum EtcdHarnessError: Error, CustomStringConvertible, Sendable {
    /// No executable etcd at `path` (from `ETCD_BINARY`, `/usr/bin/etcd`, or passed in).
    case binaryMissing(path: String)
    /// Another tool a test needs is not at `path`; `install` says how to get it.
    case toolMissing(path: String, install: String)
    /// etcd could not be spawned, or exited while the cluster was starting.
    case startFailed(String)
    /// The cluster (or one member) did not become healthy in time, or a member died.
    case notHealthy(String)
    /// No member reported itself leader in time.
    case noLeader(String)
    /// A member index outside `0..<memberCount`.
    case noSuchMember(index: Int, memberCount: Int)
    /// The operation needs the member's process running, and it is not.
    case memberNotRunning(index: Int)
    /// The cluster was already shut down.
    case alreadyShutDown
    /// A nonsensical argument, e.g. zero members.
    case invalidArgument(String)
    /// A signal could not be delivered, or its effect did not show up in `/proc`.
    case signalFailed(String)
    /// ``FreePort/allocate()`` found no usable port.
    case noFreePort(String)
    /// ``EtcdCluster/isolate(_:)`` or ``EtcdCluster/heal(_:)`` on a cluster started
    /// without `peerProxy: true`.
    case noPeerProxy
    /// A tool the harness ran failed; the message ends with its output.
    case toolFailed(String)

    /// A message that says what went wrong and what to do about it.
    public var description: String {
        switch self {
        case .binaryMissing(let path):
            "etcd binary not found at \(path): install Debian's etcd-server "
                + "(apt-get install etcd-server) or set ETCD_BINARY"
        case .toolMissing(let path, let install):
            "\(path) not found: \(install)"
        case .startFailed(let message):
            "etcd cluster failed to start: \(message)"
        case .notHealthy(let message):
            "etcd cluster not healthy: \(message)"
        case .noLeader(let message):
            "etcd cluster has no leader: \(message)"
        case .noSuchMember(let index, let memberCount):
            "no etcd member \(index): the cluster has members 0..<\(memberCount)"
        case .memberNotRunning(let index):
            "etcd member \(index) is not running (killed and not restarted)"
        case .alreadyShutDown:
            "the etcd cluster was already shut down"
        case .invalidArgument(let message):
            "invalid argument: \(message)"
        case .signalFailed(let message):
            "signal failed: \(message)"
        case .noFreePort(let message):
            "no free port: \(message)"
        case .noPeerProxy:
            "the etcd cluster has no peer proxy: start it with peerProxy: true to isolate members"
        case .toolFailed(let message):
            "tool failed: \(message)"
        }
    }
}
