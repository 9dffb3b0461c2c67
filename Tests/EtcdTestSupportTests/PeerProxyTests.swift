import Glibc
import Testing

@testable import EtcdTestSupport

/// ``PeerProxy`` against ``LoopbackServer`` targets: forwarding, refusal by destination
/// and by `X-Server-From`, cutting live connections, healing, and teardown.
@Suite struct PeerProxyTests {
    static let ok = LoopbackServer.Behavior.respond(status: 200, headers: [:], body: "pong")

    static func request(_ path: String, from id: String? = nil, body: String? = nil) -> String {
        var head = "\(body == nil ? "GET" : "POST") \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let id { head += "X-Server-From: \(id)\r\n" }
        if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
        return head + "\r\n" + (body ?? "")
    }

    /// Whether the proxy closed the connection: end of stream or reset, not a timeout.
    static func isClosed(_ client: RawClient) -> Bool {
        var byte: UInt8 = 0
        let count = recv(client.fd, &byte, 1, 0)
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Polls until `condition` holds (at most 5 s).
    static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(2000)
        }
        return condition()
    }

    @Test func forwardsKeepAliveRequestsBothWays() throws {
        let server = try LoopbackServer(Self.ok)
        defer { server.shutdown() }
        let proxy = try PeerProxy(targetPorts: [server.port])
        defer { proxy.shutdown() }
        let client = try RawClient(port: proxy.listenPorts[0])
        client.send(Self.request("/raft/probing"))
        #expect(client.read(until: "pong").hasPrefix("HTTP/1.1 200"))
        client.send(Self.request("/raft", from: "0AbC", body: "raft-message"))
        #expect(client.read(until: "pong").contains("pong"))
        #expect(server.receivedRequests.map(\.target) == ["/raft/probing", "/raft"])
        #expect(server.receivedRequests.last?.headers["x-server-from"] == "0AbC")
        #expect(server.acceptedConnections == 1)
        let statistics = proxy.statistics
        #expect(statistics.accepted == 1)
        #expect(statistics.connectionsBySource == [0xabc: 1])
        #expect(proxy.openConnections == 1)
    }

    @Test func isolatingADestinationCutsLiveConnectionsAndRefusesNewOnesUntilHealed() throws {
        let servers = [try LoopbackServer(Self.ok), try LoopbackServer(Self.ok)]
        defer { for server in servers { server.shutdown() } }
        let proxy = try PeerProxy(targetPorts: servers.map(\.port))
        defer { proxy.shutdown() }
        let toZero = try RawClient(port: proxy.listenPorts[0])
        let toOne = try RawClient(port: proxy.listenPorts[1])
        toZero.send(Self.request("/version"))
        toOne.send(Self.request("/version"))
        #expect(toZero.read(until: "pong").contains("pong"))
        #expect(toOne.read(until: "pong").contains("pong"))

        proxy.isolate(0)
        #expect(proxy.isIsolated(0))
        #expect(Self.isClosed(toZero))
        #expect(proxy.statistics.cut == 1)
        let refused = try RawClient(port: proxy.listenPorts[0], timeout: .seconds(2))
        #expect(Self.isClosed(refused))
        #expect(servers[0].acceptedConnections == 1)
        // Other destinations are untouched.
        toOne.send(Self.request("/version"))
        #expect(toOne.read(until: "pong").contains("pong"))

        proxy.heal(0)
        let healed = try RawClient(port: proxy.listenPorts[0])
        healed.send(Self.request("/version"))
        #expect(healed.read(until: "pong").contains("pong"))
        #expect(proxy.statistics.refused == 1)
    }

    @Test func requestsFromAnIsolatedMemberAreRefusedBeforeTheyAreForwarded() throws {
        let server = try LoopbackServer(Self.ok)
        defer { server.shutdown() }
        // Member 0 is the target; members 1 and 2 only dial.
        let proxy = try PeerProxy(targetPorts: [server.port, server.port, server.port])
        defer { proxy.shutdown() }
        proxy.setMemberIDs([0x10, 0x8e9e_05c5_2164_694d, 0x30])

        // A pooled connection that first carried a header-less probe, then a raft POST.
        let pooled = try RawClient(port: proxy.listenPorts[0])
        pooled.send(Self.request("/raft/probing"))
        #expect(pooled.read(until: "pong").contains("pong"))
        // A stream dialled by member 1 (its ID in upper case with a leading zero).
        let stream = try RawClient(port: proxy.listenPorts[0])
        stream.send(Self.request("/raft/stream/message/10", from: "08E9E05C52164694D"))
        #expect(stream.read(until: "pong").contains("pong"))
        // Member 2's connection stays up.
        let other = try RawClient(port: proxy.listenPorts[0])
        other.send(Self.request("/raft", from: "30", body: "m"))
        #expect(other.read(until: "pong").contains("pong"))

        proxy.isolate(1)
        #expect(Self.isClosed(stream))
        pooled.send(Self.request("/raft", from: "8e9e05c52164694d", body: "must-not-arrive"))
        #expect(Self.isClosed(pooled))
        other.send(Self.request("/raft", from: "30", body: "m"))
        #expect(other.read(until: "pong").contains("pong"))
        #expect(!server.receivedRequests.contains { $0.headers["x-server-from"]?.lowercased() == "8e9e05c52164694d" })
        // A header-less request on a new connection to a healthy member still passes.
        let probe = try RawClient(port: proxy.listenPorts[0])
        probe.send(Self.request("/raft/probing"))
        #expect(probe.read(until: "pong").contains("pong"))

        let statistics = proxy.statistics
        #expect(statistics.cut == 1)
        #expect(statistics.refused == 1)
        #expect(statistics.connectionsBySource == [0x8e9e_05c5_2164_694d: 2, 0x30: 1])
        #expect(server.receivedRequests.filter { $0.headers["x-server-from"] != nil }.count == 3)
    }

    @Test func closesConnectionsThatAreNotHTTPOrWhoseTargetIsDown() throws {
        let downPort = try FreePort.allocate()
        let server = try LoopbackServer(Self.ok)
        defer { server.shutdown() }
        let proxy = try PeerProxy(targetPorts: [server.port, downPort])
        defer { proxy.shutdown() }
        let garbage = try RawClient(port: proxy.listenPorts[0])
        garbage.send("\u{16}\u{03}\u{01} not http\r\n\r\n")
        #expect(Self.isClosed(garbage))
        #expect(proxy.statistics.malformed == 1)
        let toDown = try RawClient(port: proxy.listenPorts[1])
        toDown.send(Self.request("/raft/probing"))
        #expect(Self.isClosed(toDown))
        #expect(server.acceptedConnections == 0)
        #expect(Self.eventually { proxy.openConnections == 0 })
    }

    @Test func carriesManyConcurrentConnectionsAndLargeBodies() async throws {
        let server = try LoopbackServer(.hugeBody(bytes: 3 * 1024 * 1024))
        defer { server.shutdown() }
        let proxy = try PeerProxy(targetPorts: [server.port])
        defer { proxy.shutdown() }
        let port = proxy.listenPorts[0]
        let bodyLengths = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await Blocking.run {
                        let client = try RawClient(port: port, timeout: .seconds(30))
                        let body = String(repeating: "s", count: 100_000)
                        client.send(Self.request("/raft/snapshot", from: "\(index + 1)", body: body))
                        guard let bytes = client.readToEnd() else { return -1 }
                        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return -1 }
                        return bytes.count - end.upperBound
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(bodyLengths == Array(repeating: 3 * 1024 * 1024, count: 40))
        #expect(proxy.statistics.connectionsBySource.count == 40)
        #expect(Self.eventually { proxy.openConnections == 0 })
    }

    @Test func anIdleProxyDoesNotSpin() throws {
        let server = try LoopbackServer(Self.ok)
        defer { server.shutdown() }
        let proxy = try PeerProxy(targetPorts: [server.port])
        defer { proxy.shutdown() }
        let client = try RawClient(port: proxy.listenPorts[0])
        client.send(Self.request("/version"))
        #expect(client.read(until: "pong").contains("pong"))
        let halfClosed = try RawClient(port: proxy.listenPorts[0])
        halfClosed.send(Self.request("/version"))
        #expect(halfClosed.read(until: "pong").contains("pong"))
        _ = Glibc.shutdown(halfClosed.fd, Int32(SHUT_WR))
        #expect(Self.eventually { proxy.openConnections == 1 })
        let before = proxy.statistics.pollWakeups
        usleep(300_000)  // measuring the absence of work: nothing to poll for
        let wakeups = proxy.statistics.pollWakeups - before
        #expect(wakeups <= 2, "\(wakeups) poll wake-ups in 300 ms while idle")
    }

    @Test func shutdownClosesListenersAndConnectionsAndIsIdempotent() throws {
        let server = try LoopbackServer(Self.ok)
        defer { server.shutdown() }
        let proxy = try PeerProxy(targetPorts: [server.port])
        let port = proxy.listenPorts[0]
        let client = try RawClient(port: port)
        client.send(Self.request("/version"))
        #expect(client.read(until: "pong").contains("pong"))
        let idle = try RawClient(port: port)
        #expect(Self.eventually { proxy.openConnections == 2 })

        proxy.shutdown()
        #expect(proxy.openConnections == 0)
        #expect(Self.isClosed(client))
        #expect(Self.isClosed(idle))
        let fd = try Socket.makeTCP()
        defer { close(fd) }
        #expect(throws: SocketError.self) { try Socket.connect(fd, host: Socket.loopbackHostOrder, port: port) }
        proxy.shutdown()
        proxy.isolate(0)  // after shutdown: harmless
    }
}
