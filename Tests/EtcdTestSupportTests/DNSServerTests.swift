import Foundation
import Glibc
@testable import EtcdTestSupport
import Testing

/// The dnsmasq harness: starts on a free port, retries a taken one, runs many at once, and
/// leaves nothing behind.
struct DNSServerTests {
    static let records: [DNSRecord] = [.srv(name: "_etcd-client._tcp.harness.test", target: "localhost", port: 2379)]

    @Test func aTakenPortIsRetriedWithAFreshOne() async throws {
        let squatter = try SilentNameServer()  // holds the UDP port dnsmasq is first given
        var attempts: [Int] = []
        let server = try await DNSServer.start(
            localDomains: ["harness.test"], records: Self.records, listenAddress: "127.0.0.1",
            binary: DNSServer.defaultBinaryPath
        ) { attempt in
            attempts.append(attempt)
            return attempt == 1 ? squatter.port : try FreePort.allocate()
        }
        #expect(attempts == [1, 2])
        #expect(server.port != squatter.port)
        // The failed first attempt left no folder behind.
        let folders = try FileManager.default.contentsOfDirectory(atPath: ProcessRegistry.root)
        let failed = folders.filter { name in
            name.hasPrefix("dns-\(getpid())-")
                && ((try? String(contentsOfFile: ProcessRegistry.root + "/\(name)/stdout.log", encoding: .utf8)) ?? "")
                    .contains("Address already in use")
        }
        #expect(failed.isEmpty)
        #expect(server.processID != nil)
        await server.shutdown()
    }

    @Test func manyServersRunAtOnce() async throws {
        let ports = try await withThrowingTaskGroup(of: UInt16.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await withDNSServer(localDomains: ["harness.test"], records: Self.records) { server in
                        try await Task.sleep(for: .milliseconds(100))  // overlap with the others
                        #expect(server.processID.map { kill($0, 0) } == 0)
                        return server.port
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ports).count == 6)
    }

    @Test func shutdownKillsTheServerAndRemovesItsFolder() async throws {
        let server = try await DNSServer.start(localDomains: ["harness.test"], records: Self.records)
        let pid = try #require(server.processID)
        #expect(FileManager.default.fileExists(atPath: server.directory + "/owner"))
        await server.shutdown()
        #expect(server.processID == nil)
        #expect(kill(pid, 0) == -1)
        #expect(!FileManager.default.fileExists(atPath: server.directory))
        await server.shutdown()  // idempotent
    }

    @Test func aMissingBinaryIsAClearFailure() async throws {
        await #expect {
            _ = try await DNSServer.start(localDomains: [], records: [], binary: "/nonexistent/dnsmasq")
        } throws: { error in
            guard case EtcdHarnessError.toolMissing(let path, let install) = error else { return false }
            return path == "/nonexistent/dnsmasq" && install.contains("apt-get install dnsmasq-base")
        }
    }

    @Test func theCommandLineKeepsQueriesOnTheMachine() {
        let flags = DNSServerArguments(
            port: 5353, listenAddress: "127.0.0.1", logPath: "/tmp/x.log", user: "root", localDomains: ["harness.test"],
            records: [
                .srv(name: "_s._tcp.harness.test", target: "localhost", port: 2379, priority: 1, weight: 2),
                .txt(name: "t.harness.test", text: "x"),
            ]
        ).commandLine
        #expect(flags.contains("--no-resolv"))
        #expect(!flags.contains { $0.hasPrefix("--server") })
        #expect(flags.contains("--local=/harness.test/"))
        #expect(flags.contains("--srv-host=_s._tcp.harness.test,localhost,2379,1,2"))
        #expect(flags.contains("--txt-record=t.harness.test,x"))
        #expect(flags.contains("--port=5353") && flags.contains("--listen-address=127.0.0.1"))
    }
}
