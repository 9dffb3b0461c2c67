import Glibc

extension EtcdCluster {
    /// Kills member `member` with `SIGKILL` and returns once it is reaped.
    ///
    /// - Throws: ``EtcdHarnessError/noSuchMember(index:memberCount:)``,
    ///   ``EtcdHarnessError/memberNotRunning(index:)`` if it is already killed,
    ///   ``EtcdHarnessError/alreadyShutDown``.
    public func kill(_ member: Int) async throws {
        let pid = try takeProcess(member, required: true)
        guard let pid else { return }
        await Blocking.run {
            ChildProcess.killAndReap(pid)
            ProcessRegistry.forget(pid)
        }
    }

    /// Stops member `member` with `SIGSTOP`; returns once `/proc/PID/stat` shows state `T`.
    /// A paused member keeps its sockets open but answers nothing; ``waitHealthy(timeout:)``
    /// and ``leader()`` skip it until ``resume(_:)``.
    public func pause(_ member: Int) throws {
        let pid = try runningProcess(member)
        guard Glibc.kill(pid, SIGSTOP) == 0 else {
            throw EtcdHarnessError.signalFailed("SIGSTOP to member \(member) (pid \(pid)): \(Socket.describe(errno: errno))")
        }
        try waitForState(of: pid, member: member, timeout: .seconds(5)) { $0 == "T" }
        state.withLock { $0.members[member].isPaused = true }
    }

    /// Continues member `member` with `SIGCONT`; returns once it is no longer stopped.
    public func resume(_ member: Int) throws {
        let pid = try runningProcess(member)
        guard Glibc.kill(pid, SIGCONT) == 0 else {
            throw EtcdHarnessError.signalFailed("SIGCONT to member \(member) (pid \(pid)): \(Socket.describe(errno: errno))")
        }
        try waitForState(of: pid, member: member, timeout: .seconds(5)) { $0 != "T" }
        state.withLock { $0.members[member].isPaused = false }
    }

    /// Starts member `member` again with the same name, ports and data directory and
    /// `--initial-cluster-state existing`, killing it first if it still runs.
    ///
    /// Returns once the member answers `GET /health`, and, if a quorum of members is
    /// running (so a leader is possible), once it reports itself healthy. An isolated
    /// member (``isolate(_:)``) cannot answer: etcd serves clients only after publishing
    /// itself through raft, which needs its peers. For it, this returns once its client
    /// port accepts connections; its requests are answered after ``heal(_:)``.
    ///
    /// - Throws: ``EtcdHarnessError/startFailed(_:)`` if it cannot be spawned;
    ///   ``EtcdHarnessError/notHealthy(_:)`` (with its log tail) if it exits (e.g. its port
    ///   was taken meanwhile) or is not healthy within 30 seconds.
    public func restart(_ member: Int) async throws {
        try await respawn(member)
        let deadline = ContinuousClock.now + Self.startTimeout
        while true {
            try failOnExitedMembers(duringStart: false)
            let probe = await probeHealth(member)
            switch probe {
            case .healthy:
                return
            case .answered:
                if !hasQuorum() || isIsolated(member) { return }
            case .unreachable:
                if isIsolated(member), await clientPortAccepts(member) { return }
            }
            guard ContinuousClock.now < deadline else {
                throw EtcdHarnessError.notHealthy(
                    "restarted member \(member) not healthy after \(Self.startTimeout): \(probe)\n\(logTail(member))")
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Starts several members again at once (as ``restart(_:)``, killing those still running)
    /// and returns once every live member is healthy.
    ///
    /// This is how a cluster that lost its quorum comes back: a member started alone accepts
    /// connections but serves no request until it has published itself through a quorum, so
    /// restarting members one by one and waiting for each would wait forever.
    public func restart(_ members: [Int]) async throws {
        for member in members { try await respawn(member) }
        try await waitHealthy(timeout: Self.startTimeout)
    }

    /// Kills member `member` if it still runs, and spawns it again on its data directory.
    private func respawn(_ member: Int) async throws {
        if let old = try takeProcess(member, required: false) {
            await Blocking.run {
                ChildProcess.killAndReap(old)
                ProcessRegistry.forget(old)
            }
        }
        let pid = try spawn(member: member, clusterState: "existing")
        let accepted = state.withLock { state -> Bool in
            guard !state.isShutDown else { return false }
            state.members[member] = MemberState(pid: pid)
            return true
        }
        guard accepted else {
            ChildProcess.killAndReap(pid)
            ProcessRegistry.forget(pid)
            throw EtcdHarnessError.alreadyShutDown
        }
    }

    /// Whether more than half of the members are running, not paused and not isolated.
    func hasQuorum() -> Bool {
        liveMembers().count > memberCount / 2
    }

    /// Validates `member` and removes its PID from the state (so nobody else reaps it).
    private func takeProcess(_ member: Int, required: Bool) throws -> pid_t? {
        try state.withLock { state throws -> pid_t? in
            try validate(member, in: state)
            let pid = state.members[member].pid
            if required && pid == nil { throw EtcdHarnessError.memberNotRunning(index: member) }
            state.members[member] = MemberState()
            return pid
        }
    }

    /// The PID of a member that must be running.
    private func runningProcess(_ member: Int) throws -> pid_t {
        try state.withLock { state throws -> pid_t in
            try validate(member, in: state)
            guard let pid = state.members[member].pid else { throw EtcdHarnessError.memberNotRunning(index: member) }
            return pid
        }
    }

    private func validate(_ member: Int, in state: State) throws {
        guard !state.isShutDown else { throw EtcdHarnessError.alreadyShutDown }
        guard state.members.indices.contains(member) else {
            throw EtcdHarnessError.noSuchMember(index: member, memberCount: state.members.count)
        }
    }

    /// Polls `/proc/PID/stat` every millisecond until `condition` holds for the state letter.
    private func waitForState(
        of pid: pid_t, member: Int, timeout: Duration, _ condition: (Character) -> Bool
    ) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let letter = ChildProcess.state(of: pid) else {
                throw EtcdHarnessError.signalFailed("member \(member) (pid \(pid)) is gone")
            }
            if condition(letter) { return }
            guard ContinuousClock.now < deadline else {
                throw EtcdHarnessError.signalFailed("member \(member) (pid \(pid)) still in state \(letter) after \(timeout)")
            }
            usleep(1000)
        }
    }
}
