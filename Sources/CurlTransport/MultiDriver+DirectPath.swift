internal import CEpoll
import Glibc

// `GET`s served on plain sockets of the event loop, without a libcurl handle each
// (``DirectRoute`` says which). An idle watch then costs a socket, a ``DirectConnection``
// and its ``Transfer``, not libcurl's 12 KB, and a `get` less than half of libcurl's
// instructions. Timeouts, cancellation, statistics and the caller's continuation are the
// libcurl path's own: the transfer sits in `running` and in the deadline queue like any
// other, and leaves through ``MultiDriver/complete(_:_:)``.
extension MultiDriver {
    /// Idle connections kept at most: as many as direct requests were ever in flight at once,
    /// plus ``TransportConfiguration/maxCachedConnections``, so thousands of watches that all
    /// got their event keep their connections for the next poll (as ``raiseConnectionLimit()``
    /// does for libcurl's cache).
    var directIdleLimit: Int { direct.peakInFlight + configuration.maxCachedConnections }

    /// Starts `transfer` on a direct connection if its route allows; `false` leaves it to libcurl.
    func startDirectIfPossible(_ transfer: Transfer) -> Bool {
        guard
            let route = DirectRoute.of(
                transfer.request, scope: configuration.directPath, proxyInEnvironment: direct.proxyInEnvironment)
                .flatMap({ directRoute($0, endpoint: transfer.request.endpoint) })
        else { return false }
        statistics.directRequests += 1
        guard let request = route.requestBytes(for: transfer.request) else {
            finish(transfer, .failure(transfer.error(.invalidRequest, message: "a header field or the path holds CR, LF or NUL")))
            return true
        }
        if let idle = takeIdleConnection(for: transfer.request.endpoint) {
            idle.stage = .sending(bytes: request, offset: 0)
            attach(transfer, to: idle)
            arm(transfer)
            send(idle)
        } else {
            connect(transfer, route: route, request: request)
        }
        return true
    }

    /// A new connection for `transfer`.
    private func connect(_ transfer: Transfer, route: DirectRoute, request: [UInt8]) {
        var error: Int32 = 0
        let fd = ccepoll_tcp_connect(
            route.host, Int32(route.port), Int32(clamping: max(1, configuration.keepAliveIdle.components.seconds)),
            Int32(clamping: max(1, configuration.keepAliveInterval.components.seconds)),
            Int32(clamping: configuration.keepAliveProbes), &error)
        guard fd >= 0 else {
            let failure = DirectFailures.connect(errno: error, route: route)
            let result = Result<TransportResponse, any Error>.failure(
                transfer.error(failure.kind, delivery: .notSent, message: failure.message))
            // A retry's transfer is still attached to its dead connection; a new one never ran.
            if case .direct = transfer.state { return complete(transfer, result) }
            return finish(transfer, result)
        }
        statistics.socketsOpened += 1
        statistics.connectionsOpened += 1
        let connection = DirectConnection(
            fd: fd, endpoint: transfer.request.endpoint,
            stage: error == 0 ? .sending(bytes: request, offset: 0) : .connecting(request: request),
            maxBodyBytes: configuration.maxResponseBodyBytes)
        direct.connections[fd] = connection
        attach(transfer, to: connection)
        if error == 0 {
            arm(transfer)
            send(connection)
        } else {
            transfer.connectDeadline = ccepoll_monotonic_ns() &+ configuration.connectTimeout.nanosecondsClamped
            arm(transfer)
            watch(connection, ccepoll_out)
        }
    }

    /// Attaches `transfer` to `connection`; the first attach makes it a running transfer (a
    /// retry moves it to a new connection).
    private func attach(_ transfer: Transfer, to connection: DirectConnection) {
        if case .pending = transfer.state {
            running[ObjectIdentifier(transfer)] = transfer
            direct.inFlight += 1
            direct.peakInFlight = max(direct.peakInFlight, direct.inFlight)
        }
        connection.transfer = transfer
        connection.reader = HTTPResponseReader(maxBodyBytes: configuration.maxResponseBodyBytes)
        transfer.state = .direct(connection)
        transfer.driver = self
    }

    // MARK: Readiness

    /// A direct connection's socket is ready.
    func directConnectionReady(_ connection: DirectConnection, events: UInt32) {
        switch connection.stage {
        case .idle:
            // An idle connection has nothing to say: the server closed it (or sent garbage).
            closeDirect(connection)
        case .connecting(let request):
            guard let transfer = connection.transfer else { return closeDirect(connection) }
            let error = ccepoll_socket_error(connection.fd)
            guard error == 0 else {
                let failure = DirectFailures.connect(errno: error, route: nil)
                return complete(transfer, .failure(transfer.error(failure.kind, delivery: .notSent, message: failure.message)))
            }
            transfer.connectDeadline = nil
            arm(transfer)
            connection.stage = .sending(bytes: request, offset: 0)
            send(connection)
        case .sending:
            send(connection)
        case .receiving:
            receive(connection)
        }
    }

    private func send(_ connection: DirectConnection) {
        guard let transfer = connection.transfer else { return closeDirect(connection) }
        if case .sending(_, 0) = connection.stage { transfer.requestAttempts += 1 }
        switch connection.send() {
        case .wouldBlock:
            watch(connection, ccepoll_out)
        case .done:
            watch(connection, ccepoll_in)
        case .closed:
            lost(connection, transfer, errno: EPIPE)
        case .failed(let code):
            lost(connection, transfer, errno: code)
        }
    }

    private func receive(_ connection: DirectConnection) {
        guard let transfer = connection.transfer else { return closeDirect(connection) }
        var progress = HTTPResponseReader.Progress.needMore
        let io = connection.receive(into: direct.scratch) { bytes in
            let hadHeaders = connection.reader.parser.isComplete
            progress = connection.reader.consume(bytes)
            if !hadHeaders, connection.reader.parser.isComplete {
                transfer.parser = connection.reader.parser
                finalHeadersArrived(transfer)
            }
            return progress == .needMore
        }
        if progress == .needMore {
            switch io {
            case .wouldBlock, .done: return
            case .closed:
                progress = connection.reader.endOfStream()
                if case .failed = progress, !connection.reader.receivedBytes {
                    return lost(connection, transfer, errno: 0)
                }
            case .failed(let code):
                return lost(connection, transfer, errno: code)
            }
        }
        switch progress {
        case .needMore:
            return
        case .failed(let kind, let message):
            complete(transfer, .failure(transfer.error(kind, message: message)))
        case .complete:
            succeed(transfer, on: connection)
        }
    }

    /// The connection died before any byte of a response. A reused connection may have been
    /// closed by the server while idle: the request goes once more on a new connection (the
    /// direct path carries only `GET`s, which are idempotent), as libcurl re-sends on a dead
    /// reused connection.
    private func lost(_ connection: DirectConnection, _ transfer: Transfer, errno code: Int32) {
        let endpoint = transfer.request.endpoint
        if connection.servedBefore, !transfer.directRetried,
            let route = DirectRoute.parse(endpoint: endpoint).flatMap({ directRoute($0, endpoint: endpoint) }),
            let request = route.requestBytes(for: transfer.request)
        {
            transfer.directRetried = true
            detachAndClose(connection)
            return connect(transfer, route: route, request: request)
        }
        let failure = DirectFailures.lost(errno: code)
        complete(transfer, .failure(transfer.error(failure.kind, message: failure.message)))
    }

    private func succeed(_ transfer: Transfer, on connection: DirectConnection) {
        let reader = connection.reader
        guard let status = reader.parser.status else {
            return complete(
                transfer, .failure(transfer.error(.malformedResponse, message: "no complete HTTP response header")))
        }
        let response = TransportResponse(
            status: status, headers: reader.parser.headers, body: reader.body, reusedConnection: connection.servedBefore,
            durationNanoseconds: ccepoll_monotonic_ns() &- transfer.startNanos)
        connection.transfer = nil
        connection.servedBefore = true
        connection.reader = HTTPResponseReader(maxBodyBytes: configuration.maxResponseBodyBytes)
        if reader.isReusable, !isShutDown, direct.idleCount < directIdleLimit {
            connection.stage = .idle(since: ccepoll_monotonic_ns())
            direct.idle[connection.endpoint, default: []].append(connection)
            direct.idleCount += 1
        } else {
            closeDirect(connection)
        }
        complete(transfer, .success(response))
    }

    /// Called by ``MultiDriver/complete(_:_:)`` when a direct transfer ends; resumes its caller.
    /// A connection still attached to it (the transfer failed, timed out or was cancelled)
    /// cannot be trusted with another request, and is closed: after the caller has heard of a
    /// timeout, as on the libcurl path (closing a loopback connection runs the peer's side of it
    /// in the same call), before it hears of anything else.
    func directTransferEnded(_ transfer: Transfer, on connection: DirectConnection, _ result: Result<TransportResponse, any Error>) {
        direct.inFlight -= 1
        guard connection.transfer === transfer else { return finish(transfer, result) }
        if Self.isTimeout(result) {
            connection.transfer = nil  // a readiness event meanwhile closes it at once
            finish(transfer, result)
            loop.execute { [self] in closeDirect(connection) }
            return
        }
        detachAndClose(connection)
        finish(transfer, result)
    }

    /// `route` with an address to connect to: as it is, or with the address libcurl last
    /// reached its host name at; `nil` when there is none (the request stays on libcurl).
    private func directRoute(_ route: DirectRoute, endpoint: String) -> DirectRoute? {
        if route.isAddress { return route }
        return direct.address(for: endpoint, now: ccepoll_monotonic_ns()).map(route.resolved(to:))
    }

    /// A libcurl transfer succeeded: for an `http://` endpoint with a host name, keep the
    /// address libcurl connected to, for the direct requests to that endpoint.
    func noteAddress(of transfer: Transfer, on handle: EasyHandle) {
        guard configuration.directPath != .off, direct.namesHostToRecord(transfer.request.endpoint),
            let address = handle.primaryIP
        else { return }
        direct.addresses[transfer.request.endpoint] = (address, ccepoll_monotonic_ns())
    }

    // MARK: Connections

    private func takeIdleConnection(for endpoint: String) -> DirectConnection? {
        let now = ccepoll_monotonic_ns()
        while let connection = direct.idle[endpoint]?.popLast() {
            direct.idleCount -= 1
            if case .idle(let since) = connection.stage, now &- since < DirectFailures.maxIdleNanos {
                return connection
            }
            closeDirect(connection)
        }
        return nil
    }

    private func detachAndClose(_ connection: DirectConnection) {
        connection.transfer = nil
        closeDirect(connection)
    }

    /// Closes `connection`, wherever it is.
    func closeDirect(_ connection: DirectConnection) {
        guard direct.connections[connection.fd] === connection else { return }
        // In place: a copy of the pool would be taken out of the dictionary and put back.
        if connection.isIdle, let index = direct.idle[connection.endpoint]?.firstIndex(where: { $0 === connection }) {
            direct.idle[connection.endpoint]?.remove(at: index)
            if direct.idle[connection.endpoint]?.isEmpty == true { direct.idle[connection.endpoint] = nil }
            direct.idleCount -= 1
        }
        direct.connections[connection.fd] = nil
        connection.close()
        statistics.socketsClosed += 1
    }

    /// Closes every direct connection (shutdown; the transfers were completed before).
    func closeAllDirectConnections() {
        for connection in Array(direct.connections.values) { closeDirect(connection) }
        direct.idle.removeAll()
        direct.idleCount = 0
    }

    private func watch(_ connection: DirectConnection, _ events: UInt32) {
        guard connection.registered != events else { return }
        let operation = connection.registered == 0 ? ccepoll_add : ccepoll_mod
        let result = loop.control(operation, connection.fd, events: events)
        statistics.epollChanges += 1
        if result == 0 {
            connection.registered = events
        } else if let transfer = connection.transfer {
            complete(
                transfer, .failure(transfer.error(.other, message: "epoll_ctl failed for a direct connection's socket (errno \(result))")))
        }
    }
}
