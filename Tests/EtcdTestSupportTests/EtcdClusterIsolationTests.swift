import Foundation
import Glibc
import Testing

@testable import EtcdTestSupport

/// 3-member clusters whose peer traffic passes the harness's ``PeerProxy``: a member
/// cut off from its peers while its clients still reach it.
///
/// Measured times are printed as `measured: …` lines (the lead's fault tests take their
/// bounds from them); the assertions use generous upper bounds for 2 noisy cores.
@Suite struct EtcdClusterIsolationTests {
    /// Polls `condition` every 20 ms until it holds; returns how long that took, or `nil`
    /// after `timeout`.
    static func timeUntil(
        _ timeout: Duration, _ condition: () async throws -> Bool
    ) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try await condition() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Prints one `measured: …` line; `nil` durations print as "never".
    static func report(_ what: String, _ duration: Duration?, _ detail: String = "") {
        print("measured: \(what): \(duration.map { "\($0)" } ?? "never")" + (detail.isEmpty ? "" : " (\(detail))"))
    }

    /// A reply as `status body`, or "no answer".
    static func describe(_ reply: HTTPReply?) -> String {
        reply.map { "\($0.status) \($0.body)" } ?? "no answer"
    }

    /// One `GET /health` (etcd's own check waits up to 1 s for a quorum read).
    static func health(_ url: String) async -> HTTPReply? {
        try? await LoopbackHTTP.request("GET", url + "/health", timeout: .seconds(3))
    }

    /// `PUT /v2/keys/<key>` with `value=<value>`.
    static func put(
        _ url: String, _ key: String, _ value: String, timeout: Duration = .seconds(5)
    ) async throws -> HTTPReply {
        try await LoopbackHTTP.request("PUT", url + "/v2/keys/" + key, body: "value=" + value, timeout: timeout)
    }

    /// Whether a (non-quorum, so local) `GET` on `url` sees `key` = `value`.
    static func sees(_ url: String, _ key: String, _ value: String) async -> Bool {
        guard let reply = try? await LoopbackHTTP.request("GET", url + "/v2/keys/" + key, timeout: .seconds(2)) else {
            return false
        }
        return reply.status == 200 && reply.body.contains(#""value":"\#(value)""#)
    }

    /// The value of a gauge such as `etcd_server_is_leader` in `/metrics`.
    static func gauge(_ url: String, _ name: String) async -> String? {
        guard let reply = try? await LoopbackHTTP.request("GET", url + "/metrics", timeout: .seconds(2)) else { return nil }
        let line = reply.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.map { String($0.dropFirst(name.count + 1)) }
    }

    /// The `"state"` of `/v2/stats/self`, e.g. `StateLeader`.
    static func raftState(_ url: String) async -> String? {
        guard let reply = try? await LoopbackHTTP.request("GET", url + "/v2/stats/self", timeout: .seconds(2)),
            let range = reply.body.range(of: #""state":""#)
        else { return nil }
        return String(reply.body[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func proxiedClusterFormsServesWritesAndSurvivesARestart() async throws {
        try await withEtcdCluster(members: 3, peerProxy: true) { cluster in
            let proxy = try #require(cluster.peerProxy)
            let leader = try await cluster.leader()
            let follower = (leader + 1) % 3
            #expect(try await Self.put(cluster.clientURL(follower), "formed", "1").status == 201)

            // Members advertise the proxy's ports, and the proxy recognised every member's dials.
            for member in 0..<3 {
                let pid = try #require(cluster.pid(member))
                let commandLine = String(decoding: ChildProcess.readProcFile("/proc/\(pid)/cmdline") ?? [], as: UTF8.self)
                #expect(commandLine.contains("http://127.0.0.1:\(proxy.listenPorts[member])"))
                let ownPeerURL = cluster.layout.members[member].peerURL
                #expect(!commandLine.contains("--initial-advertise-peer-urls\u{0}\(ownPeerURL)"))
                #expect(commandLine.contains("--listen-peer-urls\u{0}\(ownPeerURL)"))
                let id = try #require(cluster.memberID(member))
                #expect(proxy.statistics.connectionsBySource[try #require(PeerProxyCore.memberID(hex: id)), default: 0] > 0)
            }
            #expect(Set(proxy.memberIDs).count == 3)
            #expect(proxy.statistics.refused == 0)
            #expect(proxy.openConnections >= 6)

            try await cluster.restart(follower)
            try await cluster.waitHealthy()
            #expect(try await Self.put(cluster.clientURL(follower), "after-restart", "2").status == 201)
            let caughtUp = try await Self.timeUntil(.seconds(10)) {
                await Self.sees(cluster.clientURL(follower), "formed", "1")
            }
            #expect(caughtUp != nil)

            #expect(throws: EtcdHarnessError.self) { try cluster.isolate(3) }
            #expect(throws: EtcdHarnessError.self) { try cluster.heal(-1) }
        }
    }

    @Test func aProxiedClusterIsTornDownWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        var ports: [UInt16] = []
        await #expect(throws: Boom.self) {
            try await withEtcdCluster(members: 1, peerProxy: true) { cluster in
                ports = try #require(cluster.peerProxy).listenPorts
                #expect(try await Self.put(cluster.clientURL(0), "k", "v").status == 201)
                throw Boom()
            }
        }
        #expect(ports.count == 1)
        for port in ports {
            let fd = try Socket.makeTCP()
            defer { close(fd) }
            #expect(throws: SocketError.self) { try Socket.connect(fd, host: Socket.loopbackHostOrder, port: port) }
        }
    }

    @Test func isolateNeedsAPeerProxy() async throws {
        try await withEtcdCluster(members: 1) { cluster in
            #expect(cluster.peerProxy == nil)
            #expect(cluster.memberID(0) == nil)
            #expect(!cluster.isIsolated(0))
            do {
                try cluster.isolate(0)
                Issue.record("isolate worked without a proxy")
            } catch EtcdHarnessError.noPeerProxy {
                // expected
            }
        }
    }

    @Test func isolatedFollowerIsUnhealthyRefusesWritesServesStaleReadsAndCatchesUp() async throws {
        try await withEtcdCluster(members: 3, peerProxy: true) { cluster in
            let leader = try await cluster.leader()
            let follower = (leader + 1) % 3
            let followerURL = cluster.clientURL(follower)
            #expect(try await Self.put(cluster.clientURL(leader), "before", "old").status == 201)
            #expect(try await Self.timeUntil(.seconds(10)) { await Self.sees(followerURL, "before", "old") } != nil)

            try cluster.isolate(follower)
            #expect(cluster.isIsolated(follower))

            // etcd's /health: 503 {"health":"false"} when the member sees no leader (at once),
            // or when its quorum read fails (after 1 s) — whichever comes first.
            var lastHealth: HTTPReply?
            let unhealthy = try await Self.timeUntil(.seconds(15)) {
                lastHealth = await Self.health(followerURL)
                return lastHealth?.status == 503 && lastHealth?.body.contains(#""health":"false""#) == true
            }
            Self.report("isolated follower: /health false after", unhealthy, Self.describe(lastHealth))
            #expect(unhealthy != nil, "last /health: \(String(describing: lastHealth))")
            let leaderless = try await Self.timeUntil(.seconds(15)) {
                await Self.gauge(followerURL, "etcd_server_has_leader") == "0"
            }
            Self.report("isolated follower: etcd_server_has_leader 0 a further", leaderless)
            #expect(leaderless != nil)
            let quickStart = ContinuousClock.now
            let quick = await Self.health(followerURL)
            let quickTime = ContinuousClock.now - quickStart
            Self.report("leaderless isolated follower: /health answered in", quickTime, Self.describe(quick))
            #expect(quick?.status == 503)

            // A write through the isolated member cannot commit.
            let putStart = ContinuousClock.now
            let put = try? await Self.put(followerURL, "through-isolated", "x", timeout: .seconds(15))
            let putTime = ContinuousClock.now - putStart
            Self.report("PUT through the isolated follower ended after", putTime, Self.describe(put))
            #expect(put.map { $0.status >= 500 } ?? true, "\(String(describing: put))")

            // A non-quorum read is still served, from the member's (now stale) store.
            let stale = try await LoopbackHTTP.request("GET", followerURL + "/v2/keys/before", timeout: .seconds(3))
            #expect(stale.status == 200)
            #expect(stale.body.contains(#""value":"old""#))

            // The other two keep a leader and accept writes.
            let survivor = try await cluster.leader()
            #expect(survivor != follower)
            print("measured: leader while a follower is isolated: member \(survivor) (before: \(leader))")
            #expect(try await Self.put(cluster.clientURL(survivor), "during", "new").status == 201)
            #expect(!(await Self.sees(followerURL, "during", "new")))

            try cluster.heal(follower)
            #expect(!cluster.isIsolated(follower))
            let caughtUp = try await Self.timeUntil(.seconds(20)) { await Self.sees(followerURL, "during", "new") }
            Self.report("healed follower: saw the write after", caughtUp)
            #expect(caughtUp != nil)
            let healthy = try await Self.timeUntil(.seconds(20)) { await Self.health(followerURL)?.status == 200 }
            Self.report("healed follower: /health true a further", healthy)
            try await cluster.waitHealthy()
            print("measured: leader after healing the follower: member \(try await cluster.leader()) (before: \(survivor))")
        }
    }

    @Test func isolatedLeaderIsReplacedAndStepsDown() async throws {
        try await withEtcdCluster(members: 3, peerProxy: true) { cluster in
            let oldLeader = try await cluster.leader()
            let oldURL = cluster.clientURL(oldLeader)
            try cluster.isolate(oldLeader)
            let isolatedAt = ContinuousClock.now

            var newLeader: Int?
            let elected = try await Self.timeUntil(.seconds(20)) {
                newLeader = try? await cluster.leader()
                return newLeader != nil
            }
            Self.report("isolated leader: new leader elected after", elected)
            let leader = try #require(newLeader)
            #expect(leader != oldLeader)
            #expect(try await Self.put(cluster.clientURL(leader), "after-failover", "1").status == 201)

            // Raft's check-quorum steps the old leader down (etcd_server_is_leader 0), but
            // /v2/stats/self keeps saying StateLeader: etcd updates that field only when
            // an append from a new leader arrives.
            let steppedDown = try await Self.timeUntil(.seconds(20)) {
                await Self.gauge(oldURL, "etcd_server_is_leader") == "0"
            }
            Self.report("isolated leader: etcd_server_is_leader 0 after", ContinuousClock.now - isolatedAt)
            #expect(steppedDown != nil)
            #expect(await Self.gauge(oldURL, "etcd_server_has_leader") == "0")
            #expect(await Self.health(oldURL)?.status == 503)
            let statsState = await Self.raftState(oldURL)
            print("measured: isolated leader: /v2/stats/self state meanwhile \(statsState ?? "?")")

            // A restart keeps the member isolated. etcd then accepts client connections but
            // answers nothing: it serves clients only after publishing itself through raft.
            try await cluster.restart(oldLeader)
            #expect(cluster.isIsolated(oldLeader))
            let silent = await Self.health(oldURL)
            #expect(silent == nil, "\(String(describing: silent))")

            try cluster.heal(oldLeader)
            let caughtUp = try await Self.timeUntil(.seconds(20)) { await Self.sees(oldURL, "after-failover", "1") }
            Self.report("healed old leader (restarted while isolated): saw the write after", caughtUp)
            #expect(caughtUp != nil)
            try await cluster.waitHealthy()
        }
    }
}
