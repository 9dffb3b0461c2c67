import Foundation
import Testing

@testable import EtcdTestSupport

/// Three-member clusters: leader, pause/resume, kill/restart.
@Suite struct EtcdClusterMembershipTests {
    @Test func pauseKillAndRestartMembers() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            #expect(cluster.clientURLs.count == 3)
            #expect(Set(cluster.clientURLs).count == 3)
            let leader = try await cluster.leader()
            #expect((0..<3).contains(leader))

            let put = try await LoopbackHTTP.request("PUT", cluster.clientURL(leader) + "/v2/keys/before", body: "value=1")
            #expect(put.status == 201)

            // Pause a follower: the process is stopped, the others keep serving.
            let follower = (leader + 1) % 3
            let followerPID = try #require(cluster.pid(follower))
            try cluster.pause(follower)
            #expect(ChildProcess.state(of: followerPID) == "T")
            expectHTTPError("paused member", { if case .timedOut = $0 { true } else { false } }) {
                try LoopbackHTTP.blockingRequest("GET", cluster.clientURL(follower) + "/health", timeout: .milliseconds(200))
            }
            try await cluster.waitHealthy(timeout: .seconds(10))
            try cluster.resume(follower)
            #expect(ChildProcess.state(of: followerPID) != "T")
            try await cluster.waitHealthy()

            // Kill another member, write while it is down, restart it.
            let victim = (leader + 2) % 3
            let victimPID = try #require(cluster.pid(victim))
            try await cluster.kill(victim)
            #expect(cluster.pid(victim) == nil)
            #expect(!processExists(victimPID))
            await #expect(throws: EtcdHarnessError.self) { try await cluster.kill(victim) }
            let during = try await LoopbackHTTP.request("PUT", cluster.clientURL(leader) + "/v2/keys/during", body: "value=2")
            #expect(during.status == 201)

            try await cluster.restart(victim)
            let newPID = try #require(cluster.pid(victim))
            #expect(newPID != victimPID)
            let commandLine = String(decoding: ChildProcess.readProcFile("/proc/\(newPID)/cmdline") ?? [], as: UTF8.self)
            #expect(commandLine.contains("existing"))
            try await cluster.waitHealthy()

            for (key, value) in [("before", "1"), ("during", "2")] {
                let get = try await LoopbackHTTP.request("GET", cluster.clientURL(victim) + "/v2/keys/\(key)?quorum=true")
                #expect(get.status == 200)
                #expect(get.body.contains(#""value":"\#(value)""#), "member \(victim) answered \(get.body)")
            }
            #expect((0..<3).contains(try await cluster.leader()))
        }
    }

    @Test func restartingTheLeaderElectsANewOne() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let leader = try await cluster.leader()
            try await cluster.restart(leader)  // kills the running leader first
            try await cluster.waitHealthy()
            #expect((0..<3).contains(try await cluster.leader()))
            #expect(cluster.logTail(leader).isEmpty == false)
        }
    }
}

/// The PID registry that cleans up after crashed test runs.
@Suite struct ProcessRegistryTests {
    @Test func sweepKillsOrphansAndRemovesStaleFolders() async throws {
        // A dead "owner": a process that already exited and was reaped.
        let deadOwner = try ChildProcess.spawn(executable: "/bin/true", arguments: [], environment: [:], logPath: "/dev/null")
        ChildProcess.killAndReap(deadOwner)

        // An orphan whose command line mentions swift-etcd-v2-tests (via a symlink).
        let workDirectory = ProcessRegistry.root + "/registry-test-\(UUID().uuidString)"
        try ProcessRegistry.createClusterDirectory(workDirectory)
        defer { try? FileManager.default.removeItem(atPath: workDirectory) }
        let fakeEtcd = workDirectory + "/fake-etcd"
        try FileManager.default.createSymbolicLink(atPath: fakeEtcd, withDestinationPath: "/bin/sleep")
        let orphan = try ChildProcess.spawn(executable: fakeEtcd, arguments: ["30"], environment: [:], logPath: "/dev/null")
        let record = "owner=\(deadOwner) start=12345\n"
        _ = FileManager.default.createFile(atPath: ProcessRegistry.pidsDirectory + "/\(orphan)", contents: Data(record.utf8))

        // A stale cluster folder of the dead owner, and a live one of ours.
        let staleDirectory = ProcessRegistry.root + "/stale-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: staleDirectory + "/m1", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: staleDirectory + "/owner", contents: Data(record.utf8))

        ProcessRegistry.sweep()

        var status: Int32 = 0
        #expect(waitpid(orphan, &status, 0) == orphan)
        #expect(ChildProcess.describe(waitStatus: status) == "killed by signal 9")
        #expect(!FileManager.default.fileExists(atPath: ProcessRegistry.pidsDirectory + "/\(orphan)"))
        #expect(!FileManager.default.fileExists(atPath: staleDirectory))
        #expect(FileManager.default.fileExists(atPath: workDirectory))
        #expect(ProcessRegistry.ownerAlive(recordAt: workDirectory + "/owner") == true)
    }
}
