import Dispatch
import Glibc
import Testing

@testable import EtcdTestSupport

/// `posix_spawn` details that etcd members rely on.
@Suite struct ChildProcessTests {
    /// Spawns `/bin/sleep` from a dispatch thread that blocks and ignores SIGTERM, and
    /// returns the child's `/proc/PID/status` text.
    private func spawnFromHostileThread() async throws -> (pid: pid_t, status: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var blocked = sigset_t()
                sigemptyset(&blocked)
                sigaddset(&blocked, SIGTERM)
                sigaddset(&blocked, SIGINT)
                var previous = sigset_t()
                pthread_sigmask(SIG_BLOCK, &blocked, &previous)
                defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
                continuation.resume(with: Result {
                    let pid = try ChildProcess.spawn(
                        executable: "/bin/sleep", arguments: ["30"], environment: [:], logPath: "/dev/null")
                    let status = ChildProcess.readProcFile("/proc/\(pid)/status") ?? []
                    return (pid, String(decoding: status, as: UTF8.self))
                })
            }
        }
    }

    @Test func childrenStartWithAnEmptySignalMask() async throws {
        let (pid, status) = try await spawnFromHostileThread()
        defer { ChildProcess.killAndReap(pid) }
        #expect(status.contains("SigBlk:\t0000000000000000"), "\(status)")
        // Signals 1...31 at default disposition (glibc keeps its internal 32/33 as they are).
        let ignoredLine = status.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }
        let ignored = try #require(ignoredLine.flatMap { UInt64($0.dropFirst("SigIgn:".count).trimmingWhitespace(), radix: 16) })
        #expect(ignored & 0x7FFF_FFFF == 0, "\(status)")
        #expect(Glibc.kill(pid, SIGTERM) == 0)
        var waitStatus: Int32 = 0
        #expect(waitpid(pid, &waitStatus, 0) == pid)
        #expect(ChildProcess.describe(waitStatus: waitStatus) == "killed by signal \(SIGTERM)")
    }

    @Test func childrenInheritNoDescriptorsBeyondStdio() async throws {
        let server = try LoopbackServer(.blackHole)  // holds a listening socket and a pipe
        defer { server.shutdown() }
        let pid = try ChildProcess.spawn(executable: "/bin/sleep", arguments: ["30"], environment: [:], logPath: "/dev/null")
        defer { ChildProcess.killAndReap(pid) }
        // sleep itself briefly opens locale files at startup, so poll: a descriptor
        // inherited from this process would never go away.
        var descriptors = try FileManagerProbe.list("/proc/\(pid)/fd")
        for _ in 0..<200 where descriptors.count != 3 {
            usleep(5_000)
            descriptors = try FileManagerProbe.list("/proc/\(pid)/fd")
        }
        #expect(descriptors.sorted() == ["0", "1", "2"])
    }

    @Test func reportsProcessStates() throws {
        let pid = try ChildProcess.spawn(executable: "/bin/sleep", arguments: ["30"], environment: [:], logPath: "/dev/null")
        #expect(ChildProcess.reapIfExited(pid) == nil)
        #expect(ChildProcess.startTime(of: pid) != nil)
        ChildProcess.killAndReap(pid)
        #expect(ChildProcess.state(of: pid) == nil)
        #expect(ChildProcess.reapIfExited(pid) == -1)
    }
}

/// Lists a directory with `opendir`, without Foundation.
enum FileManagerProbe {
    static func list(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw SocketError(operation: "opendir", code: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
