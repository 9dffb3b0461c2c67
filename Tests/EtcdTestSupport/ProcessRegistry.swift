import Foundation
import Glibc

/// Remembers every etcd process the harness spawns, so processes and data directories
/// left behind by a crashed test run are cleaned up by the next one.
///
/// Each spawned PID gets a file `/tmp/swift-etcd-v2-tests/pids/<pid>` naming the test
/// process that owns it (PID and start time, so a reused PID is not mistaken for the
/// owner); each cluster folder gets an `owner` file with the same line. At the first
/// cluster start in a process, ``sweepOnce()`` kills recorded processes whose owner is
/// gone (only if their command line still mentions `swift-etcd-v2-tests`, so a reused
/// PID is never signalled) and deletes stale cluster folders.
enum ProcessRegistry {
    /// The folder every cluster folder lives in.
    static let root = "/tmp/swift-etcd-v2-tests"
    /// The folder of PID files.
    static let pidsDirectory = root + "/pids"
    /// Marker that must appear in a process's command line before a sweep kills it.
    static let commandLineMarker = "swift-etcd-v2-tests"
    /// Folders without an owner file are removed once older than this.
    static let orphanAge: TimeInterval = 600

    /// `owner=<pid> start=<ticks>` for this test process.
    static let ownerLine: String = {
        let pid = getpid()
        return "owner=\(pid) start=\(ChildProcess.startTime(of: pid) ?? 0)\n"
    }()

    private static let swept = Locked(false)

    /// Records a spawned etcd PID as owned by this process.
    static func record(_ pid: pid_t) {
        try? FileManager.default.createDirectory(atPath: pidsDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: pidsDirectory + "/\(pid)", contents: Data(ownerLine.utf8))
    }

    /// Forgets a PID once it has been reaped.
    static func forget(_ pid: pid_t) {
        try? FileManager.default.removeItem(atPath: pidsDirectory + "/\(pid)")
    }

    /// Creates a cluster folder (and the root) with this process's `owner` file.
    static func createClusterDirectory(_ path: String) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EtcdHarnessError.startFailed("cannot create \(path): \(error)")
        }
        _ = manager.createFile(atPath: path + "/owner", contents: Data(ownerLine.utf8))
    }

    /// Runs ``sweep()`` the first time it is called in this process.
    static func sweepOnce() {
        let first = swept.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { sweep() }
    }

    /// Kills orphaned etcd processes and removes stale cluster folders.
    static func sweep() {
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: pidsDirectory)) ?? [] {
            guard let pid = pid_t(name), pid > 1 else { continue }
            let path = pidsDirectory + "/" + name
            guard let owner = ownerAlive(recordAt: path), !owner else { continue }
            if let cmdline = ChildProcess.readProcFile("/proc/\(pid)/cmdline"),
                String(decoding: cmdline, as: UTF8.self).contains(commandLineMarker)
            {
                _ = kill(pid, SIGKILL)
            }
            try? manager.removeItem(atPath: path)
        }
        for name in (try? manager.contentsOfDirectory(atPath: root)) ?? [] where name != "pids" {
            let path = root + "/" + name
            if let alive = ownerAlive(recordAt: path + "/owner") {
                if !alive { try? manager.removeItem(atPath: path) }
            } else if let modified = try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) > orphanAge
            {
                try? manager.removeItem(atPath: path)
            }
        }
    }

    /// Whether the owner named in an `owner=… start=…` file still runs;
    /// `nil` if the file is missing or unreadable.
    static func ownerAlive(recordAt path: String) -> Bool? {
        guard let data = manager.contents(atPath: path) else { return nil }
        var fields: [String: String] = [:]
        for token in String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = token.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let owner = fields["owner"].flatMap({ pid_t($0) }), let start = fields["start"].flatMap({ UInt64($0) })
        else { return nil }
        guard let actualStart = ChildProcess.startTime(of: owner) else { return false }
        return start == 0 || actualStart == start
    }

    private static var manager: FileManager { FileManager.default }
}
