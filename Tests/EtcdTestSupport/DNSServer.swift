import Foundation
import Glibc

/// A real DNS server — Debian's dnsmasq — on a free loopback port, answering only from the
/// records a test gives it.
///
/// dnsmasq runs in the foreground (`--no-daemon`: no pid file, no fork), reads no config file,
/// no `/etc/hosts` and no `/etc/resolv.conf`, and has no upstream server: a name under one of
/// ``localDomains`` that it has no record for is `NXDOMAIN`, any other name is `REFUSED`. No
/// query leaves the machine. Every query is logged (``queryLog()``), so a test can prove that
/// its lookups reached this server.
///
/// Spawned like etcd (``ChildProcess``, recorded in ``ProcessRegistry`` so a crashed run's
/// servers are swept), in its own folder under `/tmp/swift-etcd-v2-tests`. A port another
/// process took first ("Address already in use") is retried with a new port. Always end with
/// ``shutdown()``, or use ``withDNSServer(localDomains:records:listenAddress:isolation:_:)``.
public final class DNSServer: Sendable {
    /// The address it listens on: `127.0.0.1` or `::1`.
    public let address: String
    /// The UDP and TCP port it listens on.
    public let port: UInt16
    /// The domains it answers for with authority.
    public let localDomains: [String]
    /// Its folder: `dnsmasq.log` (queries) and `stdout.log`.
    public let directory: String
    private let pid: Locked<pid_t?>

    /// How long ``start(localDomains:records:listenAddress:binary:)`` waits for dnsmasq.
    static let startTimeout: Duration = .seconds(10)

    private init(address: String, port: UInt16, localDomains: [String], directory: String, pid: pid_t) {
        self.address = address
        self.port = port
        self.localDomains = localDomains
        self.directory = directory
        self.pid = Locked(pid)
    }

    deinit {
        tearDown()
    }

    /// `DNSMASQ_BINARY` from the environment if set and non-empty, else `/usr/sbin/dnsmasq`.
    public static var defaultBinaryPath: String {
        if let path = ProcessInfo.processInfo.environment["DNSMASQ_BINARY"], !path.isEmpty { return path }
        return "/usr/sbin/dnsmasq"
    }

    /// Starts dnsmasq serving `records` and waits until it has bound its port.
    ///
    /// - Parameters:
    ///   - localDomains: Domains answered from `records` only (`--local=/domain/`).
    ///   - records: What to serve.
    ///   - listenAddress: `127.0.0.1` (default) or `::1`.
    ///   - binary: The dnsmasq executable; defaults to ``defaultBinaryPath``.
    /// - Throws: ``EtcdHarnessError/toolMissing(path:install:)`` when dnsmasq is not installed;
    ///   ``EtcdHarnessError/startFailed(_:)`` with its output when it exits or does not start.
    public static func start(
        localDomains: [String],
        records: [DNSRecord],
        listenAddress: String = "127.0.0.1",
        binary: String = defaultBinaryPath
    ) async throws -> DNSServer {
        try await start(localDomains: localDomains, records: records, listenAddress: listenAddress, binary: binary) { _ in
            try FreePort.allocate()
        }
    }

    /// ``start(localDomains:records:listenAddress:binary:)`` with the port of each attempt
    /// (1, 2, 3) chosen by `choosePort`, so tests can provoke a port conflict.
    static func start(
        localDomains: [String], records: [DNSRecord], listenAddress: String, binary: String,
        choosePort: (_ attempt: Int) throws -> UInt16
    ) async throws -> DNSServer {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw EtcdHarnessError.toolMissing(
                path: binary, install: "install Debian's dnsmasq-base (apt-get install dnsmasq-base) or set DNSMASQ_BINARY")
        }
        ProcessRegistry.sweepOnce()
        var attempt = 1
        while true {
            let port = try choosePort(attempt)
            let directory = ProcessRegistry.root + "/dns-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            try ProcessRegistry.createClusterDirectory(directory)
            let arguments = DNSServerArguments(
                port: port, listenAddress: listenAddress, logPath: directory + "/dnsmasq.log",
                user: currentUserName(), localDomains: localDomains, records: records
            ).commandLine
            let pid: pid_t
            do {
                pid = try ChildProcess.spawn(
                    executable: binary, arguments: arguments, environment: [:], logPath: directory + "/stdout.log")
            } catch {
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
            ProcessRegistry.record(pid)
            let server = DNSServer(
                address: listenAddress, port: port, localDomains: localDomains, directory: directory, pid: pid)
            do {
                try await server.waitUntilListening()
                return server
            } catch let race as PortRace {
                await server.shutdown()
                guard attempt < 3 else {
                    throw EtcdHarnessError.startFailed("\(race.message) (after \(attempt) attempts with fresh ports)")
                }
                attempt += 1
            } catch {
                await server.shutdown()
                throw error
            }
        }
    }

    /// dnsmasq's process ID; `nil` after ``shutdown()``.
    public var processID: Int32? { pid.withLock { $0 } }

    /// Everything dnsmasq logged so far: one `query[SRV] <name> from <address>` line per
    /// query, then what it answered.
    public func queryLog() -> String {
        (try? String(contentsOfFile: directory + "/dnsmasq.log", encoding: .utf8)) ?? ""
    }

    /// Kills dnsmasq, reaps it and deletes its folder. Idempotent.
    public func shutdown() async {
        await Blocking.run { [self] in tearDown() }
    }

    /// Polls dnsmasq's output for "started" (printed after it bound its sockets), failing as
    /// soon as it exits; an exit for a taken port is a ``PortRace``.
    private func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + Self.startTimeout
        while true {
            let output = (try? String(contentsOfFile: directory + "/stdout.log", encoding: .utf8)) ?? ""
            if let running = pid.withLock({ $0 }), let status = ChildProcess.reapIfExited(running) {
                pid.withLock { $0 = nil }
                ProcessRegistry.forget(running)
                let message = "dnsmasq on port \(port) \(ChildProcess.describe(waitStatus: status)): \(output)"
                if output.contains("Address already in use") { throw PortRace(message: message) }
                throw EtcdHarnessError.startFailed(message)
            }
            if output.contains("started, version") { return }
            guard ContinuousClock.now < deadline else {
                throw EtcdHarnessError.startFailed("dnsmasq did not start within \(Self.startTimeout): \(output)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Kills and reaps dnsmasq if it still runs, and removes the folder (also after a failed
    /// start, whose process is already reaped).
    private func tearDown() {
        let running = pid.withLock { pid -> pid_t? in
            defer { pid = nil }
            return pid
        }
        if let running {
            ChildProcess.killAndReap(running)
            ProcessRegistry.forget(running)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func currentUserName() -> String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }
}

/// Starts a ``DNSServer``, runs `body` with it, and always shuts it down, also when `body`
/// throws.
public func withDNSServer<T: Sendable>(
    localDomains: [String],
    records: [DNSRecord],
    listenAddress: String = "127.0.0.1",
    isolation: isolated (any Actor)? = #isolation,
    _ body: (DNSServer) async throws -> T
) async throws -> T {
    let server = try await DNSServer.start(localDomains: localDomains, records: records, listenAddress: listenAddress)
    let result: T
    do {
        result = try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
    return result
}
