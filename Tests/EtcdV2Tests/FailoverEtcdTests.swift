import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Failover on real members: a stopped member costs one header timeout once, a write that may
/// have been applied is never sent again, an all-down cluster fails fast, a recovered member
/// is probed back, and a watch leaves a stopped member.
struct FailoverEtcdTests {
    /// Generous: the machine is shared and noisy; the lower bounds are the strict ones.
    static let slack = Duration.seconds(2)

    @Test func aStoppedPinnedMemberCostsOneHeaderTimeoutOnce() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            // A follower is pinned: stopping the leader would also hold the writes for an election.
            let member = (try await cluster.leader() + 1) % 3
            let others = (0..<3).filter { $0 != member }.map(cluster.clientURL)
            let client = try EtcdClient(configuration: .init(
                endpoints: [cluster.clientURL(member)] + others, headerTimeoutPerRequest: .seconds(1),
                shuffleEndpoints: false))
            defer { Task { await client.shutdown() } }
            _ = try await client.keys.set("/fo", value: "0")
            #expect(client.pinnedEndpoint == cluster.clientURL(member))
            try cluster.pause(member)
            defer { try? cluster.resume(member) }
            let start = ContinuousClock.now
            #expect(try await client.keys.get("/fo").node?.value == "0")
            let first = ContinuousClock.now - start
            #expect(first >= .seconds(1))
            #expect(first < .seconds(1) + Self.slack)
            #expect(client.pinnedEndpoint != cluster.clientURL(member))
            let next = ContinuousClock.now
            _ = try await client.keys.set("/fo", value: "1")
            #expect(ContinuousClock.now - next < .milliseconds(900))  // no second timeout
        }
    }

    @Test func aWriteThatMayHaveArrivedIsNeverSentAgain() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let client = try EtcdClient(configuration: .init(
                endpoints: cluster.clientURLs, headerTimeoutPerRequest: .milliseconds(500), shuffleEndpoints: false))
            defer { Task { await client.shutdown() } }
            _ = try await client.keys.get("/", options: .init())  // connect to the pinned member
            try cluster.pause(0)
            defer { try? cluster.resume(0) }
            do {
                _ = try await client.keys.create("/once", value: "x")
                Issue.record("expected an unknown outcome")
            } catch let error as EtcdOutcomeUnknownError {
                #expect(error.endpoint == cluster.clientURL(0))
                #expect(error.cause.kind == .headerTimeout)
                #expect(error.cause.delivery == .possiblySent)
            }
            // Not sent anywhere else: the running members have no such key.
            let others = try EtcdClient(configuration: .init(endpoints: [cluster.clientURL(1), cluster.clientURL(2)]))
            defer { Task { await others.shutdown() } }
            let missing = await etcdError { try await others.keys.get("/once", options: .init(quorum: true)) }
            #expect(missing?.code == .keyNotFound)
        }
    }

    @Test func aWriteDeclaredIdempotentFailsOverLikeARead() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let follower = (try await cluster.leader() + 1) % 3
            let others = (0..<3).filter { $0 != follower }.map(cluster.clientURL)
            let client = try EtcdClient(configuration: .init(
                endpoints: [cluster.clientURL(follower)] + others, headerTimeoutPerRequest: .milliseconds(500),
                shuffleEndpoints: false))
            defer { Task { await client.shutdown() } }
            _ = try await client.keys.set("/beat", value: "0")
            try cluster.pause(follower)
            defer { try? cluster.resume(follower) }
            let start = ContinuousClock.now
            let set = try await client.keys.treatingWritesAsIdempotent().set("/beat", value: "1")
            #expect(ContinuousClock.now - start >= .milliseconds(500))  // one header timeout
            #expect(set.node?.value == "1")
            #expect(client.pinnedEndpoint != cluster.clientURL(follower))
            #expect(try await client.keys.get("/beat", options: .init(quorum: true)).node?.value == "1")
        }
    }

    @Test func fiveHundredsKeepWhatTheServerSaid() async throws {
        // The bodies etcd 3.4 sends without a leader (reference §3.9): a commit timeout and an
        // election must stay distinguishable in the cluster error, not read "has no leader".
        let timedOut = try LoopbackServer(.respond(
            status: 500, headers: ["Content-Type": "application/json"],
            body: #"{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out","index":0}"#))
        defer { timedOut.shutdown() }
        let election = try LoopbackServer(.respond(status: 503, headers: [:], body: #"{"message":"During election"}"#))
        defer { election.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [timedOut.url, election.url], shuffleEndpoints: false))
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.keys.get("/x", options: .init(quorum: true))
            Issue.record("expected a cluster error")
        } catch let error as EtcdClusterError {
            #expect(error.failures.map(\.endpoint) == [timedOut.url, election.url])
            let etcd = try #require(error.failures.first?.error as? EtcdError)
            #expect(etcd.code == .raftInternal)
            #expect(etcd.cause == "etcdserver: request timed out")
            let other = try #require(error.failures.last?.error as? EtcdResponseError)
            #expect(other.status == 503)
            #expect(other.bodyPrefix.contains("During election"))
        }
        // A write's 5xx is etcd's verdict, returned as it is: never sent to the next member.
        let write = await etcdError { try await client.keys.set("/x", value: "1") }
        #expect(write?.code == .raftInternal)
        #expect(election.requestsReceived == 1)
    }

    @Test func anAllDownClusterFailsFastOnceCooled() async throws {
        let servers = try (0..<3).map { _ in try LoopbackServer(.blackHole) }
        defer { servers.forEach { $0.shutdown() } }
        let client = try EtcdClient(configuration: .init(
            endpoints: servers.map(\.url), headerTimeoutPerRequest: .milliseconds(200),
            // A cooldown far longer than the first call, so all three are still cooling.
            healthCheck: .init(interval: nil, cooldown: .seconds(30))))
        defer { Task { await client.shutdown() } }
        let start = ContinuousClock.now
        await #expect(throws: EtcdClusterError.self) { try await client.keys.get("/x") }
        #expect(ContinuousClock.now - start >= .milliseconds(600))  // each endpoint once
        let again = ContinuousClock.now
        do {
            _ = try await client.keys.get("/x")
            Issue.record("expected a cluster error")
        } catch let error as EtcdClusterError {
            #expect(ContinuousClock.now - again < .milliseconds(600))  // one attempt only
            #expect(Set(error.failures.map(\.endpoint)) == Set(servers.map(\.url)))
            #expect(error.failures.filter { $0.error is EtcdEndpointUnhealthyError }.count == 2)
            #expect(error.failures.filter { ($0.error as? EtcdTransportError)?.kind == .headerTimeout }.count == 1)
        }
    }

    @Test func aRecoveredMemberIsProbedBack() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let client = try EtcdClient(configuration: .init(
                endpoints: cluster.clientURLs, headerTimeoutPerRequest: .seconds(1), shuffleEndpoints: false,
                healthCheck: .init(interval: .milliseconds(200), probeTimeout: .milliseconds(500))))
            defer { Task { await client.shutdown() } }
            try await cluster.kill(0)
            _ = try await client.keys.get("/")
            let state = client.requester.state
            #expect(state.isSuspect(cluster.clientURL(0)))
            try await cluster.restart(0)
            let deadline = ContinuousClock.now + .seconds(15)
            while state.isSuspect(cluster.clientURL(0)), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(!state.isSuspect(cluster.clientURL(0)))
        }
    }

    @Test func aWatchLeavesAStoppedMemberWithoutLosingEvents() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            // The watch pins a follower: stopping the leader would also stall the writes.
            let leader = try await cluster.leader()
            let follower = (leader + 1) % 3
            let others = [cluster.clientURL((leader + 2) % 3), cluster.clientURL(leader)]
            let client = try EtcdClient(configuration: .init(
                endpoints: [cluster.clientURL(follower)] + others, headerTimeoutPerRequest: .seconds(1),
                shuffleEndpoints: false,
                // The probe of the endpoint serving the watch is what finds it stopped.
                healthCheck: .init(interval: .milliseconds(300), probeTimeout: .milliseconds(500))))
            defer { Task { await client.shutdown() } }
            let start = try await client.keys.set("/w/0", value: "0")
            let events = Task {
                var values: [String] = []
                for try await event in client.keys.watch("/w", options: .init(afterIndex: start.index, recursive: true)) {
                    guard case .change(let response) = event, let value = response.node?.value else { continue }
                    values.append(value)
                    if values.count == 3 { break }
                }
                return values
            }
            defer { events.cancel() }
            let writer = try EtcdClient(configuration: .init(endpoints: others))
            defer { Task { await writer.shutdown() } }
            _ = try await writer.keys.set("/w/1", value: "1")
            try await Task.sleep(for: .milliseconds(200))  // the watch polls the follower again
            try cluster.pause(follower)
            defer { try? cluster.resume(follower) }
            _ = try await writer.keys.set("/w/2", value: "2")
            _ = try await writer.keys.set("/w/3", value: "3")
            let moved = ContinuousClock.now
            let values = try await value(of: events, within: .seconds(10))
            #expect(values == ["1", "2", "3"])
            #expect(ContinuousClock.now - moved < .seconds(10))
        }
    }
}

/// The value of `task`; after `limit`, `task` is cancelled and ``TimedOut`` thrown (a watch
/// that never delivers must fail the test, not hang it).
func value<T: Sendable>(of task: Task<T, any Error>, within limit: Duration) async throws -> T {
    let timer = Task {
        try? await Task.sleep(for: limit)
        guard !Task.isCancelled else { return false }
        task.cancel()
        return true
    }
    let result = await task.result
    timer.cancel()
    if await timer.value { throw TimedOut(limit: limit) }
    return try result.get()
}

struct TimedOut: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no result within \(limit)" }
}
