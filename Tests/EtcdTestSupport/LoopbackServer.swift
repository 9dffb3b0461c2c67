import Glibc

/// A small fake HTTP server on `127.0.0.1` for what a real etcd cannot be made to do:
/// never answer, answer late, send garbage, cut a body short, and so on.
///
/// The server listens on an ephemeral port as soon as it is created and serves every
/// connection on its own thread with blocking sockets, following one ``Behavior``.
/// ``shutdown()`` (also run by `deinit`) stops accepting, shuts down every open socket
/// so blocked threads wake, and joins all threads before it returns.
///
/// ```swift
/// let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
/// defer { server.shutdown() }
/// let reply = try LoopbackHTTP.request("GET", server.url + "/v2/keys/a")
/// ```
public final class LoopbackServer: Sendable {
    private let core: LoopbackServerCore

    /// Starts listening on `127.0.0.1` at an ephemeral port.
    ///
    /// - Parameter behavior: What to do with every accepted connection.
    /// - Throws: The socket or thread error that prevented starting.
    public init(_ behavior: Behavior) throws {
        core = try LoopbackServerCore(behavior: behavior)
        try core.startAccepting()
    }

    deinit {
        core.shutdown()
    }

    /// The port the server listens on.
    public var port: UInt16 { core.port }

    /// `"http://127.0.0.1:PORT"`, without a trailing slash.
    public var url: String { "http://127.0.0.1:\(core.port)" }

    /// How many connections were accepted so far.
    public var acceptedConnections: Int { core.state.withLock { $0.accepted } }

    /// How many request header blocks were read so far, over all connections.
    public var requestsReceived: Int { core.state.withLock { $0.requests } }

    /// One request head the server read.
    public struct ReceivedRequest: Sendable, Hashable {
        /// `GET`, `PUT`, …
        public var method: String
        /// The request target, e.g. `/v2/keys/a?recursive=true`.
        public var target: String
        /// Header fields, names lowercased.
        public var headers: [String: String]
    }

    /// Every request head read so far, in order (requests with a body count even if the body
    /// was never read).
    public var receivedRequests: [ReceivedRequest] { core.state.withLock { $0.heads } }

    /// Stops accepting, closes every socket and joins every thread. Idempotent.
    public func shutdown() {
        core.shutdown()
    }
}

/// The state and threads behind a ``LoopbackServer``. Threads hold the core, not the
/// server, so dropping the last reference to the server runs its `deinit`.
final class LoopbackServerCore: Sendable {
    struct State {
        var isShutDown = false
        var accepted = 0
        var requests = 0
        var heads: [LoopbackServer.ReceivedRequest] = []
        /// Connection sockets still open; closed (and removed) only under the lock, so
        /// ``shutdown()`` never shuts down a descriptor number that was reused.
        var openConnections: Set<Int32> = []
        var threads: [Int: JoinableThread] = [:]
        var finishedThreads: [Int] = []
        var nextThreadID = 0
        var acceptThread: JoinableThread?
        /// Write end of the wake pipe; closing it wakes every ``sleep(for:)``.
        var wakeWriteFD: Int32
    }

    let behavior: LoopbackServer.Behavior
    let listenFD: Int32
    let port: UInt16
    /// Read end of the wake pipe: becomes readable (POLLHUP) once shutdown starts.
    let wakeReadFD: Int32
    let state: Locked<State>

    init(behavior: LoopbackServer.Behavior) throws {
        self.behavior = behavior
        let fd = try Socket.makeTCP()
        var pipeFDs: [Int32] = [-1, -1]
        do {
            try Socket.setReuseAddress(fd)
            try Socket.bindLoopback(fd, port: 0)
            guard listen(fd, 128) == 0 else { throw SocketError(operation: "listen", code: errno) }
            port = try Socket.localPort(fd)
            guard pipe(&pipeFDs) == 0 else { throw SocketError(operation: "pipe", code: errno) }
            Socket.setCloseOnExec(pipeFDs[0])
            Socket.setCloseOnExec(pipeFDs[1])
        } catch {
            close(fd)
            throw error
        }
        listenFD = fd
        wakeReadFD = pipeFDs[0]
        state = Locked(State(wakeWriteFD: pipeFDs[1]))
    }

    func startAccepting() throws {
        do {
            let thread = try JoinableThread.spawn { [self] in acceptLoop() }
            state.withLock { $0.acceptThread = thread }
        } catch {
            shutdown()
            throw error
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                let code = errno
                if state.withLock({ $0.isShutDown }) { return }
                if code == EINTR || code == ECONNABORTED { continue }
                guard sleep(for: .milliseconds(10)) else { return }  // e.g. EMFILE: back off
                continue
            }
            Socket.setCloseOnExec(fd)
            joinFinishedThreads()
            let id = state.withLock { state -> Int? in
                guard !state.isShutDown else { return nil }
                state.openConnections.insert(fd)
                state.accepted += 1
                state.nextThreadID += 1
                return state.nextThreadID
            }
            guard let id else {
                close(fd)
                return
            }
            do {
                let thread = try JoinableThread.spawn { [self] in
                    serve(fd: fd)
                    closeConnection(fd)
                    state.withLock { $0.finishedThreads.append(id) }
                }
                state.withLock { $0.threads[id] = thread }
            } catch {
                closeConnection(fd)
            }
        }
    }

    /// Joins connection threads that already ended, so long-lived servers do not pile
    /// up finished threads.
    private func joinFinishedThreads() {
        let done = state.withLock { state -> [JoinableThread] in
            var done: [JoinableThread] = []
            state.finishedThreads.removeAll { id in
                guard let thread = state.threads.removeValue(forKey: id) else { return false }
                done.append(thread)
                return true
            }
            return done
        }
        for thread in done { thread.join() }
    }

    /// Closes a connection socket and forgets it, atomically with respect to shutdown.
    func closeConnection(_ fd: Int32) {
        state.withLock { state in
            if state.openConnections.remove(fd) != nil { close(fd) }
        }
    }

    /// Counts (and keeps) one request header block.
    func noteRequest(_ head: RequestHead) {
        let received = LoopbackServer.ReceivedRequest(method: head.method, target: head.target, headers: head.headers)
        state.withLock {
            $0.requests += 1
            $0.heads.append(received)
        }
    }

    /// Sleeps for `duration` unless shutdown starts first; `true` if the full time passed.
    func sleep(for duration: Duration) -> Bool {
        let deadline = ContinuousClock.now + duration
        while true {
            let remaining = deadline - .now
            if remaining <= .zero { return true }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = min(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1, 60_000)
            var entry = pollfd(fd: wakeReadFD, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, Int32(milliseconds)) > 0 { return false }
        }
    }

    /// Blocks until shutdown starts.
    func waitForShutdown() {
        var entry = pollfd(fd: wakeReadFD, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, -1) <= 0 {}
    }

    /// Stops accepting, wakes and joins every thread, closes every descriptor.
    func shutdown() {
        let acceptThread = state.withLock { state -> JoinableThread?? in
            guard !state.isShutDown else { return .none }
            state.isShutDown = true
            Socket.shutdownBoth(listenFD)
            for fd in state.openConnections { Socket.shutdownBoth(fd) }
            close(state.wakeWriteFD)
            state.wakeWriteFD = -1
            defer { state.acceptThread = nil }
            return .some(state.acceptThread)
        }
        guard case .some(let thread) = acceptThread else { return }
        thread?.join()
        let threads = state.withLock { state -> [JoinableThread] in
            defer { state.threads = [:] }
            return Array(state.threads.values)
        }
        for thread in threads { thread.join() }
        close(listenFD)
        close(wakeReadFD)
    }
}
