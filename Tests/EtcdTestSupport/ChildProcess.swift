import Glibc

/// Spawning, signalling and reaping child processes with `posix_spawn` and `waitpid`.
///
/// Foundation's `Process` is deliberately not used: a child spawned from a Swift
/// concurrency or libdispatch thread inherits that thread's signal mask, which blocks
/// signals such as `SIGTERM`. Here every child starts with an empty signal mask and
/// default dispositions for all signals, stdin from `/dev/null`, stdout and stderr
/// appended to a log file, and no descriptors other than those three.
enum ChildProcess {
    /// Starts `executable` with `arguments` and `environment`, logging to `logPath`.
    static func spawn(
        executable: String,
        arguments: [String],
        environment: [String: String],
        logPath: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "open /dev/null")
        try check(
            posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644),
            "open \(logPath)")
        try check(posix_spawn_file_actions_adddup2(&actions, 1, 2), "dup2 stdout to stderr")
        addCloseFrom(3, to: &actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "setsigmask")
        try check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "setsigdefault")
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), "setflags")

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        try check(posix_spawn(&pid, executable, &actions, &attributes, argv, envp), "posix_spawn \(executable)")
        return pid
    }

    /// Adds glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+) when present; it is
    /// looked up at run time because the Swift Glibc module does not import it.
    private static func addCloseFrom(_ lowest: Int32, to actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        _ = closeFrom(&actions, lowest)
    }

    private static func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else {
            throw EtcdHarnessError.startFailed("\(what): \(Socket.describe(errno: result))")
        }
    }

    /// Reaps `pid` if it has exited: its wait status, `-1` if it is not our child
    /// (already reaped), or `nil` while it still runs (stopped counts as running).
    static func reapIfExited(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            return -1
        }
    }

    /// Sends `SIGKILL` and blocks until the process is reaped (or is not our child).
    static func killAndReap(_ pid: pid_t) {
        _ = kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    /// "exited with status N" or "killed by signal N" for a `waitpid` status.
    static func describe(waitStatus status: Int32) -> String {
        if status == -1 { return "exited (already reaped)" }
        let signal = status & 0x7F
        return signal == 0 ? "exited with status \((status >> 8) & 0xFF)" : "killed by signal \(signal)"
    }

    /// The one-letter state from `/proc/PID/stat` (`R`, `S`, `T`, `Z`, …), or `nil` if gone.
    static func state(of pid: pid_t) -> Character? {
        statFields(of: pid)?.first?.first
    }

    /// Start time (clock ticks since boot, field 22 of `/proc/PID/stat`), or `nil` if gone.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let fields = statFields(of: pid), fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// Fields 3... of `/proc/PID/stat` (after the parenthesised command name).
    private static func statFields(of pid: pid_t) -> [Substring]? {
        guard let bytes = readProcFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Reads a small file such as `/proc/PID/cmdline` (whose `stat` size is 0).
    static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                result += chunk[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return count == 0 ? result : nil
            }
        }
    }
}
