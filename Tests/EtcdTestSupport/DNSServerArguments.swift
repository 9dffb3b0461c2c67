/// A record for ``DNSServer`` to serve.
public enum DNSRecord: Sendable, Hashable {
    /// An SRV record: `name` (e.g. `_etcd-client._tcp.etcd.test`) → `target:port`.
    case srv(name: String, target: String, port: UInt16, priority: UInt16 = 0, weight: UInt16 = 0)
    /// A TXT record, to make a name exist without SRV records (`NODATA` for SRV).
    case txt(name: String, text: String)
}

/// dnsmasq's command line for a ``DNSServer``.
struct DNSServerArguments {
    var port: UInt16
    var listenAddress: String
    var logPath: String
    var user: String
    var localDomains: [String]
    var records: [DNSRecord]

    /// The flags, after the binary.
    var commandLine: [String] {
        var flags = [
            "--no-daemon",  // foreground, no pid file, no user change
            "--conf-file=/dev/null",  // not /etc/dnsmasq.conf
            "--port=\(port)",
            "--listen-address=\(listenAddress)",
            "--bind-interfaces",  // only that address, so parallel servers coexist
            "--no-resolv",  // no upstream servers: nothing leaves the machine
            "--no-hosts",
            "--no-negcache",
            "--user=\(user)",
            "--log-queries",
            "--log-facility=\(logPath)",
        ]
        flags += localDomains.map { "--local=/\($0)/" }
        for record in records {
            switch record {
            case .srv(let name, let target, let port, let priority, let weight):
                flags.append("--srv-host=\(name),\(target),\(port),\(priority),\(weight)")
            case .txt(let name, let text):
                flags.append("--txt-record=\(name),\(text)")
            }
        }
        return flags
    }
}
