import Glibc

/// The `poll(2)` loop of one ``PeerProxy``: accepts on every listener, decides on every
/// request head, and pumps bytes both ways with non-blocking sockets. Runs on the proxy's
/// own thread; blocks in `poll` with no timeout (except while `accept` backs off from
/// `EMFILE`), so an idle proxy costs nothing.
final class PeerProxyLoop {
    private enum Owner {
        case wake
        case listener(Int)
        case client(Int)
        case upstream(Int)
    }

    private let core: PeerProxyCore
    private var pumps: [Int: PeerPump] = [:]
    /// One receive buffer shared by every connection (the loop is single-threaded).
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// Set after `accept` ran out of descriptors; listeners rest until then.
    private var acceptPausedUntil: ContinuousClock.Instant?

    init(core: PeerProxyCore) {
        self.core = core
    }

    /// Runs until ``PeerProxyCore/shutdown()`` closes the wake pipe; closes every connection.
    func run() {
        var entries: [pollfd] = []
        var owners: [Owner] = []
        func watch(_ fd: Int32, _ events: Int16, _ owner: Owner) {
            entries.append(pollfd(fd: fd, events: events, revents: 0))
            owners.append(owner)
        }
        while true {
            entries.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            watch(core.wakeReadFD, Int16(POLLIN), .wake)
            if let until = acceptPausedUntil, ContinuousClock.now >= until { acceptPausedUntil = nil }
            if acceptPausedUntil == nil {
                for (index, route) in core.routes.enumerated() {
                    watch(route.listenFD, Int16(POLLIN), .listener(index))
                }
            }
            for (key, pump) in pumps {
                let clientEvents = pump.clientEvents
                if clientEvents != 0 { watch(pump.clientFD, clientEvents, .client(key)) }
                let upstreamEvents = pump.upstreamEvents
                if upstreamEvents != 0 { watch(pump.upstreamFD, upstreamEvents, .upstream(key)) }
            }
            let ready = poll(&entries, nfds_t(entries.count), acceptPausedUntil == nil ? -1 : 10)
            core.notePollWakeup()
            if ready < 0 {
                if errno != EINTR { _ = poll(nil, 0, 10) }  // ENOMEM: back off instead of spinning
                continue
            }
            var touched: Set<Int> = []
            for (index, entry) in entries.enumerated() where entry.revents != 0 {
                switch owners[index] {
                case .wake:
                    if handleWake() {
                        closeAll()
                        return
                    }
                case .listener(let route):
                    acceptAll(on: route)
                case .client(let key):
                    pumps[key]?.clientReady(entry.revents, buffer: &chunk)
                    touched.insert(key)
                case .upstream(let key):
                    pumps[key]?.upstreamReady(entry.revents, buffer: &chunk)
                    touched.insert(key)
                }
            }
            for key in touched {
                guard let pump = pumps[key] else { continue }
                pump.settle()
                if pump.isFinished { drop(key) }
            }
        }
    }

    /// Drains the wake pipe and closes connections cut by ``PeerProxy/isolate(_:)``;
    /// `true` once shutdown started.
    private func handleWake() -> Bool {
        var sink = [UInt8](repeating: 0, count: 64)
        while sink.withUnsafeMutableBytes({ read(core.wakeReadFD, $0.baseAddress, $0.count) }) > 0 {}
        let work = core.pendingWork()
        if work.isShutDown { return true }
        for key in work.cut { drop(key) }
        return false
    }

    /// Accepts every pending connection on listener `route`.
    private func acceptAll(on route: Int) {
        while true {
            let fd = accept(core.routes[route].listenFD, nil, nil)
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: acceptPausedUntil = .now + .milliseconds(10)
                default: break
                }
                return
            }
            Socket.setCloseOnExec(fd)
            Socket.setNoDelay(fd)
            guard (try? Socket.setNonBlocking(fd)) != nil,
                let key = core.register(clientFD: fd, destination: route)
            else {
                close(fd)
                continue
            }
            pumps[key] = PeerPump(key: key, clientFD: fd, targetPort: core.routes[route].targetPort, core: core)
        }
    }

    /// Forgets a connection and closes its sockets.
    private func drop(_ key: Int) {
        pumps[key] = nil
        core.close(key)
    }

    private func closeAll() {
        for key in Array(pumps.keys) { drop(key) }
    }
}

/// One proxied connection: the client (an etcd member dialling a peer) and the upstream
/// socket to the destination member, with a bounded buffer per direction. Half-closes are
/// passed on; any error closes both sides. Used only on the loop's thread.
final class PeerPump {
    /// Bytes buffered per direction before the loop stops reading that side.
    static let bufferLimit = 256 * 1024

    let key: Int
    let clientFD: Int32
    private(set) var upstreamFD: Int32 = -1
    private let targetPort: UInt16
    private let core: PeerProxyCore
    private var scanner = RequestStreamScanner()
    private var toUpstream = ByteQueue()
    private var toClient = ByteQueue()
    private var isConnecting = false
    private var clientEnded = false
    private var upstreamEnded = false
    private var sentUpstreamEnd = false
    private var sentClientEnd = false
    private var failed = false

    init(key: Int, clientFD: Int32, targetPort: UInt16, core: PeerProxyCore) {
        self.key = key
        self.clientFD = clientFD
        self.targetPort = targetPort
        self.core = core
    }

    /// Whether the connection is over (both sides ended, or an error or refusal).
    var isFinished: Bool { failed || (sentUpstreamEnd && sentClientEnd) }

    /// What to poll the client socket for; 0 for nothing.
    var clientEvents: Int16 {
        var events: Int16 = 0
        if !clientEnded && toUpstream.count < Self.bufferLimit { events |= Int16(POLLIN) }
        if !toClient.isEmpty { events |= Int16(POLLOUT) }
        return failed ? 0 : events
    }

    /// What to poll the upstream socket for; 0 for nothing (or no socket yet).
    var upstreamEvents: Int16 {
        guard upstreamFD >= 0, !failed else { return 0 }
        if isConnecting { return Int16(POLLOUT) }
        var events: Int16 = 0
        if !upstreamEnded && toClient.count < Self.bufferLimit { events |= Int16(POLLIN) }
        if !toUpstream.isEmpty { events |= Int16(POLLOUT) }
        return events
    }

    /// Reads from and writes to the client as `revents` allows. Every readiness (also
    /// `POLLHUP`/`POLLERR`) leads to a read or a write, so the loop never spins.
    func clientReady(_ revents: Int16, buffer: inout [UInt8]) {
        if revents & Int16(POLLNVAL) != 0 { return fail() }
        if Self.canRead(revents, wanted: clientEvents) {
            switch receive(from: clientFD, into: &buffer) {
            case .some(0): clientEnded = true
            case .some(let count): forwardFromClient(buffer[0..<count])
            case .none: break
            }
        }
        if Self.canWrite(revents), !toClient.isEmpty, !failed, !toClient.send(to: clientFD) { fail() }
    }

    /// Completes the connect, then reads from and writes to the upstream socket.
    func upstreamReady(_ revents: Int16, buffer: inout [UInt8]) {
        if revents & Int16(POLLNVAL) != 0 { return fail() }
        if isConnecting {
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(upstreamFD, SOL_SOCKET, SO_ERROR, &code, &length) == 0, code == 0 else { return fail() }
            isConnecting = false
            return
        }
        if Self.canRead(revents, wanted: upstreamEvents) {
            switch receive(from: upstreamFD, into: &buffer) {
            case .some(0): upstreamEnded = true
            case .some(let count): toClient.append(buffer[0..<count])
            case .none: break
            }
        }
        if Self.canWrite(revents), !toUpstream.isEmpty, !failed, !toUpstream.send(to: upstreamFD) { fail() }
    }

    /// Whether a read is due: readiness (or hang-up/error, which a read reports) while
    /// reading was asked for.
    private static func canRead(_ revents: Int16, wanted events: Int16) -> Bool {
        revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 && events & Int16(POLLIN) != 0
    }

    /// Whether a write is due (hang-up/error included: the write reports them).
    private static func canWrite(_ revents: Int16) -> Bool {
        revents & Int16(POLLOUT | POLLHUP | POLLERR) != 0
    }

    /// One `recv`: the byte count (0 at end of stream), or `nil` if nothing was there
    /// (the pump is marked failed on a real error).
    private func receive(from fd: Int32, into buffer: inout [UInt8]) -> Int? {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count >= 0 { return count }
        if errno != EAGAIN && errno != EINTR { fail() }
        return nil
    }

    /// Passes on half-closes once a direction's buffer is empty.
    func settle() {
        guard !failed else { return }
        if clientEnded && toUpstream.isEmpty && !sentUpstreamEnd {
            if upstreamFD < 0 {
                // The client left before a complete request: nothing to pass on.
                sentUpstreamEnd = true
                upstreamEnded = true
            } else if !isConnecting {
                _ = shutdown(upstreamFD, Int32(SHUT_WR))
                sentUpstreamEnd = true
            }
        }
        if upstreamEnded && toClient.isEmpty && !sentClientEnd {
            _ = shutdown(clientFD, Int32(SHUT_WR))
            sentClientEnd = true
        }
    }

    /// Feeds client bytes through the scanner; every request head must be admitted.
    private func forwardFromClient(_ bytes: ArraySlice<UInt8>) {
        let pieces: [RequestStreamScanner.Piece]
        do {
            pieces = try scanner.consume(bytes)
        } catch {
            core.noteMalformed()
            return fail()
        }
        for piece in pieces {
            switch piece {
            case .head(let head, let headBytes):
                guard core.admit(key, serverFrom: head.serverFrom) else { return fail() }
                toUpstream.append(headBytes[...])
                if upstreamFD < 0 { connectUpstream() }
            case .passThrough(let body):
                toUpstream.append(body[...])
            }
            if failed { return }
        }
    }

    /// Starts a non-blocking connect to the destination member's peer port.
    private func connectUpstream() {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { return fail() }
        guard core.attachUpstream(key, fd: fd) else {
            close(fd)
            return fail()
        }
        upstreamFD = fd
        Socket.setNoDelay(fd)
        var address = Socket.address(port: targetPort)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result == 0 { return }
        if errno == EINPROGRESS || errno == EINTR {
            isConnecting = true
        } else {
            fail()  // e.g. the member is down: the client sees its connection closed
        }
    }

    private func fail() {
        failed = true
    }
}

/// A FIFO of bytes waiting for a non-blocking socket.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var start = 0

    var count: Int { storage.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    /// Sends as much as the socket takes now; `false` on an error other than "would block".
    mutating func send(to fd: Int32) -> Bool {
        defer { compact() }
        while start < storage.count {
            let sent = storage.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress.map { $0 + start }, buffer.count - start, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                start += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                return sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
            }
        }
        return true
    }

    private mutating func compact() {
        if start == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= 1024 * 1024)
            start = 0
        } else if start >= 64 * 1024 {
            storage.removeFirst(start)
            start = 0
        }
    }
}
