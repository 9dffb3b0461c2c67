import Glibc

/// A userspace TCP proxy on `127.0.0.1` for the peer traffic of one etcd cluster, so a
/// test can cut a member off from its peers while its clients still reach it.
///
/// Member `i` listens for peers on its own port but advertises the proxy's port
/// ``listenPorts``[i], so every peer connection *to* member `i` passes the proxy. A
/// connection's *source* member is learnt from the `X-Server-From` header that etcd's
/// rafthttp puts on every stream dial and raft POST: the proxy reads every request head
/// on the client-to-member half (``RequestStreamScanner``) before forwarding it.
///
/// ``isolate(_:)`` refuses new connections to the member and requests from it, and shuts
/// down its live connections; ``heal(_:)`` lets them through again. Requests without
/// `X-Server-From` (`/raft/probing`, `/version`) are refused only when their destination
/// is isolated; they carry no raft messages.
///
/// One thread per proxy runs a `poll(2)` loop over every listener and connection
/// (``PeerProxyLoop``); ``shutdown()`` (also run by `deinit`) closes every descriptor and
/// joins the thread before it returns.
final class PeerProxy: Sendable {
    private let core: PeerProxyCore

    /// Starts listening on one ephemeral loopback port per target.
    ///
    /// - Parameter targetPorts: Where connections to each listener go (member `i`'s
    ///   `--listen-peer-urls` port), in member order.
    /// - Throws: The socket or thread error that prevented starting.
    init(targetPorts: [UInt16]) throws {
        core = try PeerProxyCore(targetPorts: targetPorts)
        do {
            let thread = try JoinableThread.spawn { [core] in PeerProxyLoop(core: core).run() }
            core.state.withLock { $0.thread = thread }
        } catch {
            core.shutdown()
            throw error
        }
    }

    deinit {
        core.shutdown()
    }

    /// The proxy's listening ports, in member order: what each member advertises.
    var listenPorts: [UInt16] { core.routes.map(\.listenPort) }

    /// Tells the proxy each member's etcd ID (`id` of `GET /v2/members`, parsed as hex),
    /// in member order, so ``isolate(_:)`` recognises the member's own connections.
    func setMemberIDs(_ ids: [UInt64]) {
        core.state.withLock { $0.memberIDs = ids }
    }

    /// The member IDs given to ``setMemberIDs(_:)`` (empty before).
    var memberIDs: [UInt64] { core.state.withLock { $0.memberIDs } }

    /// Cuts member `member` off: from now on every new connection to it and every request
    /// from it is refused (closed), and its live connections are shut down before this returns.
    func isolate(_ member: Int) {
        core.state.withLock { state in
            state.isolated.insert(member)
            let id = state.memberIDs.indices.contains(member) ? state.memberIDs[member] : nil
            for (key, connection) in state.connections
            where connection.destination == member || (id != nil && connection.sourceID == id) {
                state.cut(key)
            }
            state.wake()
        }
    }

    /// Lets connections to and from member `member` through again.
    func heal(_ member: Int) {
        core.state.withLock { _ = $0.isolated.remove(member) }
    }

    /// Whether member `member` is isolated.
    func isIsolated(_ member: Int) -> Bool {
        core.state.withLock { $0.isolated.contains(member) }
    }

    /// What the proxy has done so far.
    var statistics: Statistics { core.state.withLock { $0.statistics } }

    /// How many connections are open right now.
    var openConnections: Int { core.state.withLock { $0.connections.count } }

    /// Stops accepting, closes every connection and listener, and joins the thread. Idempotent.
    func shutdown() {
        core.shutdown()
    }

    /// Counters for tests and diagnostics.
    struct Statistics: Sendable, Equatable {
        /// Connections accepted on any listener.
        var accepted = 0
        /// Connections closed because of isolation: at accept, or at a request from an
        /// isolated member.
        var refused = 0
        /// Live connections shut down by ``isolate(_:)``.
        var cut = 0
        /// Connections closed because the client sent something that is not HTTP/1.1.
        var malformed = 0
        /// How many connections carried each `X-Server-From` ID.
        var connectionsBySource: [UInt64: Int] = [:]
        /// How often `poll` returned: stays flat while the proxy is idle (no busy wait).
        var pollWakeups = 0
    }
}

/// The state and descriptors behind a ``PeerProxy``. The loop thread holds the core, not
/// the proxy, so dropping the last reference to the proxy runs its `deinit`.
final class PeerProxyCore: Sendable {
    /// One listener and where its connections go.
    struct Route: Sendable {
        var listenFD: Int32
        var listenPort: UInt16
        var targetPort: UInt16
    }

    /// A connection as seen by ``PeerProxy/isolate(_:)``.
    struct Connection: Sendable {
        var clientFD: Int32
        var upstreamFD: Int32?
        /// The member the connection goes to (the listener's index).
        var destination: Int
        /// The `X-Server-From` ID of the first request that had one.
        var sourceID: UInt64?
        /// Shut down by ``PeerProxy/isolate(_:)``; the loop closes it.
        var isCut = false
    }

    struct State: Sendable {
        var isShutDown = false
        /// Write end of the wake pipe (non-blocking): a byte means "look at cut
        /// connections", closing it means "shut down".
        var wakeWriteFD: Int32
        var thread: JoinableThread?
        var isolated: Set<Int> = []
        var memberIDs: [UInt64] = []
        /// Open connections by key. Their descriptors are closed only under the lock (by
        /// ``PeerProxyCore/close(_:)``), so ``PeerProxy/isolate(_:)`` never shuts down a
        /// descriptor number that was reused meanwhile.
        var connections: [Int: Connection] = [:]
        var nextKey = 0
        var statistics = PeerProxy.Statistics()

        /// Whether a request from `sourceID` to `destination` must be refused.
        func refuses(destination: Int, sourceID: UInt64?) -> Bool {
            if isolated.contains(destination) { return true }
            guard let sourceID else { return false }
            return isolated.contains { memberIDs.indices.contains($0) && memberIDs[$0] == sourceID }
        }

        /// Shuts down both sockets of a connection and marks it for the loop to close.
        mutating func cut(_ key: Int) {
            guard var connection = connections[key], !connection.isCut else { return }
            Socket.shutdownBoth(connection.clientFD)
            if let upstream = connection.upstreamFD { Socket.shutdownBoth(upstream) }
            connection.isCut = true
            connections[key] = connection
            statistics.cut += 1
        }

        /// Wakes the loop; a full pipe already holds a wake-up.
        func wake() {
            var byte: UInt8 = 1
            _ = write(wakeWriteFD, &byte, 1)
        }
    }

    let routes: [Route]
    /// Read end of the wake pipe (non-blocking).
    let wakeReadFD: Int32
    let state: Locked<State>

    init(targetPorts: [UInt16]) throws {
        var routes: [Route] = []
        var pipeFDs: [Int32] = [-1, -1]
        do {
            for target in targetPorts {
                let fd = try Socket.makeTCP()
                routes.append(Route(listenFD: fd, listenPort: 0, targetPort: target))
                try Socket.setReuseAddress(fd)
                try Socket.bindLoopback(fd, port: 0)
                guard listen(fd, 128) == 0 else { throw SocketError(operation: "listen", code: errno) }
                routes[routes.count - 1].listenPort = try Socket.localPort(fd)
                try Socket.setNonBlocking(fd)
            }
            guard pipe(&pipeFDs) == 0 else { throw SocketError(operation: "pipe", code: errno) }
            for fd in pipeFDs {
                Socket.setCloseOnExec(fd)
                try Socket.setNonBlocking(fd)
            }
        } catch {
            for route in routes { Glibc.close(route.listenFD) }
            for fd in pipeFDs where fd >= 0 { Glibc.close(fd) }
            throw error
        }
        self.routes = routes
        wakeReadFD = pipeFDs[0]
        state = Locked(State(wakeWriteFD: pipeFDs[1]))
    }

    /// Registers an accepted connection to route `destination`; `nil` (and counted as
    /// refused) if that member is isolated or the proxy shuts down. The caller closes a
    /// refused descriptor.
    func register(clientFD: Int32, destination: Int) -> Int? {
        state.withLock { state -> Int? in
            state.statistics.accepted += 1
            guard !state.isShutDown else { return nil }
            if state.refuses(destination: destination, sourceID: nil) {
                state.statistics.refused += 1
                return nil
            }
            state.nextKey += 1
            state.connections[state.nextKey] = Connection(clientFD: clientFD, destination: destination)
            return state.nextKey
        }
    }

    /// Decides on one request head of connection `key`: learns its source from
    /// `serverFrom` (hex, any case, leading zeros allowed) and returns whether to forward it.
    func admit(_ key: Int, serverFrom: String?) -> Bool {
        state.withLock { state -> Bool in
            guard var connection = state.connections[key], !connection.isCut else { return false }
            if connection.sourceID == nil, let id = serverFrom.flatMap(PeerProxyCore.memberID(hex:)) {
                connection.sourceID = id
                state.connections[key] = connection
                state.statistics.connectionsBySource[id, default: 0] += 1
            }
            guard !state.refuses(destination: connection.destination, sourceID: connection.sourceID) else {
                state.statistics.refused += 1
                return false
            }
            return true
        }
    }

    /// Records the upstream socket of connection `key`; `false` if the connection was cut
    /// meanwhile (the caller closes `fd`).
    func attachUpstream(_ key: Int, fd: Int32) -> Bool {
        state.withLock { state -> Bool in
            guard var connection = state.connections[key], !connection.isCut else { return false }
            connection.upstreamFD = fd
            state.connections[key] = connection
            return true
        }
    }

    /// Closes both sockets of connection `key` and forgets it.
    func close(_ key: Int) {
        state.withLock { state in
            guard let connection = state.connections.removeValue(forKey: key) else { return }
            Glibc.close(connection.clientFD)
            if let upstream = connection.upstreamFD { Glibc.close(upstream) }
        }
    }

    /// Counts one return from `poll`.
    func notePollWakeup() {
        state.withLock { $0.statistics.pollWakeups += 1 }
    }

    /// Counts a connection closed for malformed input.
    func noteMalformed() {
        state.withLock { $0.statistics.malformed += 1 }
    }

    /// Keys of connections cut by ``PeerProxy/isolate(_:)``, and whether shutdown started.
    func pendingWork() -> (cut: [Int], isShutDown: Bool) {
        state.withLock { state in
            (state.connections.filter(\.value.isCut).map(\.key), state.isShutDown)
        }
    }

    /// An etcd member ID from its hex text (`types.ID.String()`: lowercase, no leading zeros).
    static func memberID(hex text: String) -> UInt64? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.allSatisfy(\.isHexDigit) else { return nil }
        return UInt64(trimmed, radix: 16)
    }

    /// Stops the loop, closes every descriptor and joins the thread. Idempotent.
    func shutdown() {
        let thread = state.withLock { state -> JoinableThread?? in
            guard !state.isShutDown else { return .none }
            state.isShutDown = true
            Glibc.close(state.wakeWriteFD)
            state.wakeWriteFD = -1
            defer { state.thread = nil }
            return .some(state.thread)
        }
        guard case .some(let thread) = thread else { return }
        thread?.join()
        // The loop closed its connections before it ended; close any it never saw.
        state.withLock { state in
            for key in Array(state.connections.keys) {
                if let connection = state.connections.removeValue(forKey: key) {
                    Glibc.close(connection.clientFD)
                    if let upstream = connection.upstreamFD { Glibc.close(upstream) }
                }
            }
        }
        for route in routes { Glibc.close(route.listenFD) }
        Glibc.close(wakeReadFD)
    }
}
