import Glibc

/// Where one etcd member lives: its name, ports, data directory and log file.
struct MemberLayout: Sendable {
    /// `m1`, `m2`, … (1-based, while the public API's member indices are 0-based).
    var name: String
    var clientPort: UInt16
    var peerPort: UInt16
    /// The ``PeerProxy`` port the member advertises to its peers instead of `peerPort`;
    /// `nil` without a proxy.
    var peerProxyPort: UInt16?
    /// `<cluster folder>/mN`; etcd creates it.
    var dataDirectory: String
    /// `<cluster folder>/mN.log`: the member's stdout and stderr.
    var logPath: String

    /// `https` when the cluster serves its clients over TLS.
    var clientScheme = "http"
    /// With TLS, a second, plain-http client port for the harness's own probes.
    var probePort: UInt16?

    var clientURL: String { "\(clientScheme)://127.0.0.1:\(clientPort)" }
    var peerURL: String { "http://127.0.0.1:\(peerPort)" }
    /// The peer URL other members dial: the proxy's if there is one.
    var advertisedPeerURL: String { peerProxyPort.map { "http://127.0.0.1:\($0)" } ?? peerURL }
    /// Where the harness polls `/health`: the plain-http probe port, or the client URL.
    var probeURL: String { probePort.map { "http://127.0.0.1:\($0)" } ?? clientURL }
    /// `--listen-client-urls`: the client URL, and the probe port when there is one.
    var listenClientURLs: String { probePort == nil ? clientURL : clientURL + "," + probeURL }
}

/// The fixed shape of one cluster: a folder under `/tmp/swift-etcd-v2-tests`, a unique
/// cluster token, and the members' ports and paths (kept across member restarts).
struct ClusterLayout: Sendable {
    var directory: String
    var token: String
    var members: [MemberLayout]
    /// TLS on the client URLs (peers stay plain http).
    var tls: EtcdClusterTLS?

    /// Allocates ports and creates the cluster folder for `memberCount` members.
    static func create(memberCount: Int, tls: EtcdClusterTLS? = nil) throws -> ClusterLayout {
        let unique = "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let directory = ProcessRegistry.root + "/" + unique
        var members: [MemberLayout] = []
        for number in 1...memberCount {
            members.append(
                MemberLayout(
                    name: "m\(number)",
                    clientPort: try FreePort.allocate(),
                    peerPort: try FreePort.allocate(),
                    dataDirectory: directory + "/m\(number)",
                    logPath: directory + "/m\(number).log",
                    clientScheme: tls == nil ? "http" : "https",
                    probePort: try tls.map { _ in try FreePort.allocate() }))
        }
        try ProcessRegistry.createClusterDirectory(directory)
        return ClusterLayout(directory: directory, token: "swift-etcd-v2-tests-\(unique)", members: members, tls: tls)
    }

    /// `m1=http://127.0.0.1:P1,m2=…` (advertised peer URLs) for `--initial-cluster`.
    var initialCluster: String {
        members.map { "\($0.name)=\($0.advertisedPeerURL)" }.joined(separator: ",")
    }

    /// The etcd command line (without the binary) for member `index`.
    ///
    /// - Parameters:
    ///   - clusterState: `"new"` for the first start, `"existing"` for a restart.
    ///   - extra: Caller-supplied flags, appended last.
    func arguments(member index: Int, clusterState: String, extra: [String]) -> [String] {
        let member = members[index]
        return [
            "--name", member.name,
            "--data-dir", member.dataDirectory,
            "--listen-client-urls", member.listenClientURLs,
            "--advertise-client-urls", member.clientURL,
            "--listen-peer-urls", member.peerURL,
            "--initial-advertise-peer-urls", member.advertisedPeerURL,
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", clusterState,
            "--initial-cluster-token", token,
            "--enable-v2=true",
            "--heartbeat-interval", "50",
            "--election-timeout", "500",
        ] + (tls?.arguments ?? []) + extra
    }

    /// The last `lines` lines of member `index`'s log (at most the last 8 KiB).
    func logTail(member index: Int, lines: Int = 40) -> String {
        let fd = open(members[index].logPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "(no log at \(members[index].logPath))" }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        let length = min(Int(max(size, 0)), 8192)
        var bytes = [UInt8](repeating: 0, count: length)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(Int(size) - length)) }
        let text = String(decoding: bytes.prefix(max(count, 0)), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
