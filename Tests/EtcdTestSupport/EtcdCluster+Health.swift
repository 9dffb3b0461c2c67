import Foundation

/// The body of etcd's `GET /health`.
private struct HealthBody: Decodable {
    var health: String
}

/// The part of etcd's `GET /v2/stats/self` the harness reads.
private struct SelfStats: Decodable {
    var state: String
}

/// What one `/health` probe found.
enum HealthProbe: Sendable {
    /// `{"health":"true"}`.
    case healthy
    /// An HTTP answer that is not healthy (e.g. no leader yet).
    case answered(String)
    /// No HTTP answer (refused, timed out, …).
    case unreachable(String)
}

extension EtcdCluster {
    /// Waits until every live member (running, not paused, not isolated) answers `GET /health`
    /// with `{"health":"true"}`, which etcd only says while the member sees a leader.
    ///
    /// - Throws: ``EtcdHarnessError/notHealthy(_:)`` on timeout, or as soon as a member
    ///   that should be running has exited (with that member's log tail).
    public func waitHealthy(timeout: Duration = .seconds(30)) async throws {
        try await pollUntilHealthy(timeout: timeout, duringStart: false)
    }

    /// The 0-based index of the member whose `GET /v2/stats/self` says
    /// `"state":"StateLeader"`, skipping paused and isolated members. Retries for up to
    /// 5 seconds to ride out an election.
    ///
    /// - Throws: ``EtcdHarnessError/noLeader(_:)`` with every member's answer.
    public func leader() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            var answers: [String] = []
            let live = liveMembers()
            guard !live.isEmpty else {
                throw EtcdHarnessError.noLeader("no member is running, not paused and not isolated")
            }
            for index in live {
                let url = layout.members[index].probeURL + "/v2/stats/self"
                do {
                    let reply = try await Blocking.run { try LoopbackHTTP.blockingRequest("GET", url, timeout: .seconds(1)) }
                    let stats = try JSONDecoder().decode(SelfStats.self, from: Data(reply.body.utf8))
                    if stats.state == "StateLeader" { return index }
                    answers.append("member \(index): \(stats.state)")
                } catch {
                    answers.append("member \(index): \(error)")
                }
            }
            guard ContinuousClock.now < deadline else {
                throw EtcdHarnessError.noLeader(answers.joined(separator: "; "))
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Indices of members that are running, not paused and not isolated (an isolated
    /// member cannot be healthy, and may still call itself leader until it steps down).
    func liveMembers() -> [Int] {
        let running = state.withLock { state in
            state.members.indices.filter { state.members[$0].pid != nil && !state.members[$0].isPaused }
        }
        return running.filter { !isIsolated($0) }
    }

    /// Probes member `index`'s `/health` once, off the cooperative pool.
    func probeHealth(_ index: Int) async -> HealthProbe {
        let url = layout.members[index].probeURL + "/health"
        return await Blocking.run {
            do {
                let reply = try LoopbackHTTP.blockingRequest("GET", url, timeout: .seconds(1))
                let body = try? JSONDecoder().decode(HealthBody.self, from: Data(reply.body.utf8))
                if reply.status == 200 && body?.health == "true" { return .healthy }
                return .answered("HTTP \(reply.status) \(reply.body.prefix(200))")
            } catch {
                return .unreachable("\(error)")
            }
        }
    }

    /// Polls until every live member is healthy. Fails fast when a member that should be
    /// running has exited; during start a port conflict becomes a ``PortRace``.
    func pollUntilHealthy(timeout: Duration, duringStart: Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            try failOnExitedMembers(duringStart: duringStart)
            var problems: [String] = []
            for index in liveMembers() {
                switch await probeHealth(index) {
                case .healthy: break
                case .answered(let detail), .unreachable(let detail): problems.append("member \(index): \(detail)")
                }
            }
            if problems.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                let tails = liveMembers().map { "--- log of member \($0) ---\n\(logTail($0))" }
                let message = "not healthy after \(timeout): " + problems.joined(separator: "; ") + "\n"
                    + tails.joined(separator: "\n")
                throw duringStart ? EtcdHarnessError.startFailed(message) : EtcdHarnessError.notHealthy(message)
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Reaps members that exited on their own and throws about the first one.
    func failOnExitedMembers(duringStart: Bool) throws {
        let exited = state.withLock { state -> [(index: Int, pid: pid_t, status: Int32)] in
            var exited: [(index: Int, pid: pid_t, status: Int32)] = []
            for index in state.members.indices {
                guard let pid = state.members[index].pid, let status = ChildProcess.reapIfExited(pid) else { continue }
                state.members[index] = MemberState()
                exited.append((index, pid, status))
            }
            return exited
        }
        for member in exited { ProcessRegistry.forget(member.pid) }
        guard let first = exited.first else { return }
        let tail = logTail(first.index)
        let message = "member \(first.index) (\(layout.members[first.index].name), pid \(first.pid)) "
            + "\(ChildProcess.describe(waitStatus: first.status)); log tail:\n\(tail)"
        if duringStart && tail.contains("address already in use") { throw PortRace(message: message) }
        throw duringStart ? EtcdHarnessError.startFailed(message) : EtcdHarnessError.notHealthy(message)
    }
}
