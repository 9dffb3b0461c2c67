import Foundation
import Glibc
import Testing

@testable import EtcdTestSupport

/// Whether a process with this PID exists at all (also as a zombie).
func processExists(_ pid: Int32) -> Bool {
    Glibc.kill(pid, 0) == 0 || errno != ESRCH
}

/// Single-member clusters, teardown, and harness errors.
@Suite struct EtcdClusterTests {
    @Test func singleMemberPutGetAndShutdown() async throws {
        let started = ContinuousClock.now
        let cluster = try await EtcdCluster.start()
        let startup = ContinuousClock.now - started
        // Typically ~0.1–0.3 s; the bound is loose because CI runs many suites at once on 2 cores.
        #expect(startup < .seconds(5), "a 1-member cluster took \(startup) to start")

        #expect(cluster.memberCount == 1)
        #expect(cluster.clientURLs == [cluster.clientURL(0)])
        #expect(cluster.clientURL(0).hasPrefix("http://127.0.0.1:"))
        let pid = try #require(cluster.pid(0))
        let dataDirectory = try #require(cluster.dataDirectory(0))
        #expect(dataDirectory.hasPrefix("/tmp/swift-etcd-v2-tests/"))
        #expect(FileManager.default.fileExists(atPath: dataDirectory))
        let commandLine = ChildProcess.readProcFile("/proc/\(pid)/cmdline") ?? []
        #expect(String(decoding: commandLine, as: UTF8.self).contains("--enable-v2=true"))

        let put = try await LoopbackHTTP.request("PUT", cluster.clientURL(0) + "/v2/keys/foo", body: "value=bar")
        #expect(put.status == 201)
        #expect(put.body.contains(#""action":"set""#))
        let get = try await LoopbackHTTP.request("GET", cluster.clientURL(0) + "/v2/keys/foo")
        #expect(get.status == 200)
        #expect(get.body.contains(#""value":"bar""#))
        #expect(get.headers["x-etcd-index"] != nil)
        #expect(try await cluster.leader() == 0)

        await cluster.shutdown()
        #expect(!processExists(pid))
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"))
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
        #expect(!FileManager.default.fileExists(atPath: cluster.directory))
        #expect(!FileManager.default.fileExists(atPath: ProcessRegistry.pidsDirectory + "/\(pid)"))
        #expect(cluster.pid(0) == nil)
        await cluster.shutdown()  // idempotent
        await #expect(throws: EtcdHarnessError.self) { try await cluster.kill(0) }
    }

    @Test func membersObeySIGTERM() async throws {
        try await withEtcdCluster { cluster in
            let pid = try #require(cluster.pid(0))
            #expect(Glibc.kill(pid, SIGTERM) == 0)
            // etcd shuts down gracefully; waitHealthy reports the exit once it happened.
            var exitReport: String?
            let deadline = ContinuousClock.now + .seconds(10)
            while exitReport == nil && ContinuousClock.now < deadline {
                do {
                    try await cluster.waitHealthy(timeout: .milliseconds(200))
                    try await Task.sleep(for: .milliseconds(20))
                } catch EtcdHarnessError.notHealthy(let message) where message.contains("pid \(pid)") {
                    exitReport = message
                } catch EtcdHarnessError.notHealthy {
                    // Shutting down but not gone yet.
                }
            }
            #expect(exitReport != nil, "member survived SIGTERM")
            #expect(cluster.pid(0) == nil)
            #expect(!processExists(pid))
        }
    }

    @Test func withEtcdClusterTearsDownWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        var seen: (pid: Int32, directory: String)?
        do {
            _ = try await withEtcdCluster { cluster -> Int in
                seen = (try #require(cluster.pid(0)), cluster.directory)
                throw Boom()
            }
            Issue.record("withEtcdCluster did not rethrow")
        } catch is Boom {
            // expected
        }
        let (pid, directory) = try #require(seen)
        #expect(!processExists(pid))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test func withEtcdClusterReturnsTheBodysResult() async throws {
        let value = try await withEtcdCluster { cluster in
            try await LoopbackHTTP.request("PUT", cluster.clientURL(0) + "/v2/keys/n", body: "value=42").status
        }
        #expect(value == 201)
    }

    @Test func missingBinaryThrowsAClearError() async throws {
        do {
            _ = try await EtcdCluster.start(binary: "/nonexistent/etcd")
            Issue.record("start succeeded without a binary")
        } catch let error as EtcdHarnessError {
            guard case .binaryMissing(let path) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(path == "/nonexistent/etcd")
            #expect(
                error.description
                    == "etcd binary not found at /nonexistent/etcd: install Debian's etcd-server "
                    + "(apt-get install etcd-server) or set ETCD_BINARY")
        }
    }

    @Test func defaultBinaryIsUsrBinEtcdOrEnvironment() {
        let expected = ProcessInfo.processInfo.environment["ETCD_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
        #expect(EtcdCluster.defaultBinaryPath == expected ?? "/usr/bin/etcd")
    }

    @Test func startupFailureIncludesTheLogTail() async throws {
        do {
            let cluster = try await EtcdCluster.start(extraArguments: ["--no-such-flag"])
            await cluster.shutdown()
            Issue.record("etcd accepted an unknown flag")
        } catch let error as EtcdHarnessError {
            guard case .startFailed(let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(message.contains("exited with status"))
            #expect(message.contains("no-such-flag"))
        }
    }

    @Test func retriesWithFreshPortsWhenAPortIsTaken() async throws {
        let squatter = try LoopbackServer(.blackHole)
        defer { squatter.shutdown() }
        var attempts: [Int] = []
        let cluster = try await EtcdCluster.start(members: 1, extraArguments: [], binary: EtcdCluster.defaultBinaryPath) {
            attempt in
            attempts.append(attempt)
            var layout = try ClusterLayout.create(memberCount: 1)
            if attempt == 1 { layout.members[0].clientPort = squatter.port }
            return layout
        }
        #expect(attempts == [1, 2])
        #expect(cluster.clientURL(0) != squatter.url)
        #expect(try await LoopbackHTTP.request("GET", cluster.clientURL(0) + "/health").body.contains("true"))
        await cluster.shutdown()
    }

    @Test func rejectsZeroMembersAndBadIndices() async throws {
        await #expect(throws: EtcdHarnessError.self) { try await EtcdCluster.start(members: 0) }
        try await withEtcdCluster { cluster in
            #expect(cluster.pid(5) == nil)
            #expect(cluster.dataDirectory(-1) == nil)
            #expect(throws: EtcdHarnessError.self) { try cluster.pause(1) }
            await #expect(throws: EtcdHarnessError.self) { try await cluster.kill(3) }
        }
    }

    @Test func freePortsAreDistinctAndBindable() throws {
        var ports = Set<UInt16>()
        for _ in 0..<64 {
            let port = try FreePort.allocate()
            #expect(!FreePort.reservedRange.contains(port))
            #expect(ports.insert(port).inserted)
        }
        let fd = try Socket.makeTCP()
        defer { close(fd) }
        #expect(throws: Never.self) { try Socket.bindLoopback(fd, port: try FreePort.allocate()) }
    }
}
