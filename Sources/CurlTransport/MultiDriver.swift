internal import CCurl
internal import CEpoll
import Logging

/// Drives one libcurl multi handle from one ``EventLoop`` thread, in the shape of curl's own
/// `docs/examples/multi-uv.c`: libcurl tells us which sockets to watch
/// (`CURLMOPT_SOCKETFUNCTION` → the loop's epoll set) and when to call it back
/// (`CURLMOPT_TIMERFUNCTION` → the loop's `timerfd`); every readiness event and timer expiry
/// becomes a `curl_multi_socket_action`, after which finished transfers are drained. No thread
/// per request, no polling loop.
///
/// Threading contract: every method and every libcurl callback runs on the loop's thread (or,
/// once the loop has stopped after shutdown, on its serial fallback queue). The only entry
/// points from elsewhere are blocks posted by ``CurlTransport`` with ``EventLoop/execute(_:)``.
/// That confinement is the one unchecked `Sendable` claim.
final class MultiDriver: EventLoopHandler, @unchecked Sendable {
    let loop: EventLoop
    let configuration: TransportConfiguration
    let logger: Logger
    /// Whether each transfer is logged (at `debug`): decided once, as the level check costs
    /// more than the rest of the bookkeeping of a request.
    let logsTransfers: Bool
    // Exclusivity unchecked on the driver's mutable state: it is touched on the loop's thread
    // only (the threading contract above), in accesses that never overlap (no access spans a
    // libcurl call whose callbacks could touch the same property), so the runtime's dynamic
    // check finds nothing to catch; it cost about 20 `swift_beginAccess` calls per request.

    /// The `CURLM *`; `nil` once shut down.
    @exclusivity(unchecked) private(set) var multi: UnsafeMutableRawPointer?
    /// Sockets libcurl uses, by descriptor.
    @exclusivity(unchecked) var sockets = SocketTable()
    @exclusivity(unchecked) var statistics = TransportStatistics()

    /// The absolute time libcurl last asked to be called back at (`nil`: no request).
    @exclusivity(unchecked) var curlWanted: UInt64?
    /// libcurl asked for a zero timeout: call it back as soon as the current call returns.
    @exclusivity(unchecked) var curlKickPending = false
    @exclusivity(unchecked) var flushingKicks = false
    @exclusivity(unchecked) var deadlines = DeadlineQueue<ObjectIdentifier>()
    @exclusivity(unchecked) var running: [ObjectIdentifier: Transfer] = [:]
    /// `CURLMOPT_MAXCONNECTS` as last set: raised with the transfers in flight (``raiseConnectionLimit()``).
    @exclusivity(unchecked) private var connectionLimit = 0
    @exclusivity(unchecked) private var idleHandles: [EasyHandle] = []
    private let maxIdleHandles = 64
    @exclusivity(unchecked) private(set) var isShutDown = false
    /// `GET`s served without libcurl (`MultiDriver+DirectPath.swift`).
    let direct = DirectPathState()

    init(configuration: TransportConfiguration, logger: Logger) throws(TransportError) {
        let globalInit = CurlGlobal.ensureInitialized()
        guard globalInit == CURLE_OK, let multi = curl_multi_init() else {
            throw TransportError(
                kind: .other, delivery: .notSent, endpoint: "",
                message: "libcurl could not be initialised (curl_global_init: \(CurlCodes.description(of: globalInit)))"
            )
        }
        do {
            self.loop = try EventLoop(label: "swift-etcd-v2.curl-multi")
        } catch {
            curl_multi_cleanup(multi)
            throw error
        }
        self.configuration = configuration
        self.logger = logger
        self.logsTransfers = logger.logLevel <= .debug
        self.multi = multi
        let me = Unmanaged.passUnretained(self).toOpaque()
        check(ccurl_multi_setopt_socket_callback(multi, driverSocketCallback), "CURLMOPT_SOCKETFUNCTION")
        check(ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me), "CURLMOPT_SOCKETDATA")
        check(ccurl_multi_setopt_timer_callback(multi, driverTimerCallback), "CURLMOPT_TIMERFUNCTION")
        check(ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me), "CURLMOPT_TIMERDATA")
        // The default (4 × handles added) shrinks whenever transfers finish and closes idle
        // connections that the next requests would have reused.
        check(ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxCachedConnections), "CURLMOPT_MAXCONNECTS")
        connectionLimit = configuration.maxCachedConnections

        loop.handler = self
        try loop.start(name: "etcd-curl-loop")
    }

    /// Transfers added to the multi handle and not yet completed.
    var runningCount: Int { running.count }

    // MARK: Transfers

    /// Adds `transfer` to the multi handle, or finishes it at once if it was cancelled first.
    func start(_ transfer: Transfer, continuation: UnsafeContinuation<TransportResponse, any Error>) {
        transfer.continuation = continuation
        if transfer.isCancelled {
            return finish(transfer, .failure(CancellationError()))
        }
        guard let multi, !isShutDown else {
            return finish(transfer, .failure(transfer.error(.shutdown, message: "the transport is shut down")))
        }
        if startDirectIfPossible(transfer) { return }
        let me = Unmanaged.passUnretained(self).toOpaque()
        var reused = idleHandles.popLast()
        var configured: EasyHandle?
        while configured == nil {
            guard let handle = reused ?? EasyHandle() else {
                return finish(transfer, .failure(transfer.error(.other, message: "curl_easy_init failed")))
            }
            do {
                try transfer.configure(
                    handle, configuration: configuration, driver: me, proxyInEnvironment: direct.proxyInEnvironment)
                configured = handle
            } catch where reused != nil {
                // A reused handle may refuse an option a fresh one takes (libcurl keeps some
                // state across `curl_easy_reset`): drop it and configure a fresh one.
                reused = nil
            } catch {
                return finish(
                    transfer, .failure(transfer.error(.invalidRequest, curlCode: error.code, message: error.message))
                )
            }
        }
        guard let handle = configured else { return }
        transfer.state = .running(handle)
        transfer.driver = self
        running[ObjectIdentifier(transfer)] = transfer
        raiseConnectionLimit()
        arm(transfer)
        if case .fatal(let message) = CurlCodes.disposition(of: curl_multi_add_handle(multi, handle.raw), in: "curl_multi_add_handle") {
            complete(transfer, .failure(transfer.error(.other, message: message)))
        }
        flushPendingKick()
    }

    /// Keeps libcurl's connection cache larger than the connections in use. libcurl 7.88 counts
    /// connections in use against `CURLMOPT_MAXCONNECTS` too, and past the limit every finished
    /// transfer makes it walk every connection for the oldest idle one to close: with thousands
    /// of watches that walk was most of the client's CPU while events arrived (`docs/performance.md`).
    /// The limit only grows, in doublings, to at least ``TransportConfiguration/maxCachedConnections``
    /// more than the most transfers ever in flight at once; libcurl still closes a connection
    /// idle for longer than `CURLOPT_MAXAGE_CONN` (118 s).
    private func raiseConnectionLimit() {
        let wanted = running.count + configuration.maxCachedConnections
        guard wanted > connectionLimit, let multi else { return }
        connectionLimit = max(wanted, connectionLimit * 2)
        check(ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, connectionLimit), "CURLMOPT_MAXCONNECTS")
    }

    /// Task cancellation: removes the transfer at once, or marks it so ``start(_:continuation:)``
    /// never adds it.
    func cancel(_ transfer: Transfer) {
        transfer.isCancelled = true
        switch transfer.state {
        case .running, .direct:
            complete(transfer, .failure(CancellationError()))
            flushPendingKick()
        case .pending, .finished:
            break
        }
    }

    /// The one exit of a running transfer: removes it from the multi handle (libcurl closes its
    /// connection if the response was incomplete), recycles the easy handle, resumes the caller.
    /// Never called from inside a libcurl callback.
    func complete(_ transfer: Transfer, _ result: Result<TransportResponse, any Error>) {
        switch transfer.state {
        case .running(let handle):
            leaveRunning(transfer, result)
            completeOnLibcurl(transfer, handle, result)
        case .direct(let connection):
            leaveRunning(transfer, result)
            directTransferEnded(transfer, on: connection, result)
        case .pending, .finished:
            return
        }
    }

    /// What every running transfer's end does: no more deadline, out of `running`, counted, logged.
    private func leaveRunning(_ transfer: Transfer, _ result: Result<TransportResponse, any Error>) {
        disarm(transfer)
        running[ObjectIdentifier(transfer)] = nil
        statistics.completedTransfers += 1
        if logsTransfers { log(transfer, result) }
    }

    /// Whether `result` is a header timeout or a deadline, which the caller hears of before the
    /// connection is closed.
    static func isTimeout(_ result: Result<TransportResponse, any Error>) -> Bool {
        guard case .failure(let error as TransportError) = result else { return false }
        return error.kind == .headerTimeout || error.kind == .deadlineExceeded
    }

    private func completeOnLibcurl(_ transfer: Transfer, _ handle: EasyHandle, _ result: Result<TransportResponse, any Error>) {
        if Self.isTimeout(result) {
            // Removing a timed-out transfer closes its connection, and closing a loopback TCP
            // connection runs the peer's side of it in this call (it took 0.1–0.5 ms against
            // the benchmark's black-hole server). The caller hears of its timeout first; the
            // handle leaves the multi handle right after (posted behind the caller's task when
            // that runs on this loop), and keeps the transfer alive until then. libcurl may still
            // call back for it meanwhile; a finished transfer ignores that.
            finish(transfer, result)
            loop.execute { [self] in
                withExtendedLifetime(transfer) { remove(handle) }
            }
            return
        }
        remove(handle)
        // Only a handle whose transfer succeeded is reused: after some failures libcurl 7.88
        // keeps per-transfer state that `curl_easy_reset` does not clear (its receive buffer,
        // which then makes CURLOPT_BUFFERSIZE fail), and failures are rare enough to pay for
        // a fresh handle.
        if case .success = result { recycle(handle) }
        finish(transfer, result)
    }

    private func remove(_ handle: EasyHandle) {
        guard let multi else { return }
        if case .fatal(let message) = CurlCodes.disposition(of: curl_multi_remove_handle(multi, handle.raw), in: "curl_multi_remove_handle") {
            logger.error("libcurl failed to remove a transfer", metadata: ["error": "\(message)"])
        }
    }

    func finish(_ transfer: Transfer, _ result: Result<TransportResponse, any Error>) {
        transfer.state = .finished
        transfer.driver = nil
        let continuation = transfer.continuation
        transfer.continuation = nil
        continuation?.resume(with: result)
    }

    /// Keeps `handle` for a later transfer. It is not reset here: the next transfer with the
    /// same ``EasyHandleProfile`` only sets its own options (``Transfer/configure(_:configuration:driver:proxyInEnvironment:)``).
    private func recycle(_ handle: EasyHandle) {
        guard !isShutDown, idleHandles.count < maxIdleHandles else { return }
        idleHandles.append(handle)
    }

    /// Reads libcurl's completion messages after each `socket_action`.
    /// - SeeAlso: <https://curl.se/libcurl/c/curl_multi_info_read.html>
    private func drainCompletedTransfers() {
        var queued: Int32 = 0
        while let multi, let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            // Copy the result before removing the handle, which invalidates the message.
            let code = message.pointee.data.result
            var userdata: UnsafeMutableRawPointer?
            _ = ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &userdata)
            guard let userdata else { continue }
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
            transferDone(transfer, code)
        }
    }

    private func transferDone(_ transfer: Transfer, _ code: CURLcode) {
        guard case .running(let handle) = transfer.state else { return }
        let newConnections = handle.info(CURLINFO_NUM_CONNECTS)
        statistics.connectionsOpened += newConnections
        if code == CURLE_OK {
            guard transfer.parser.isComplete, let status = transfer.parser.status else {
                return complete(transfer, .failure(transfer.error(.malformedResponse, message: "no complete HTTP response header")))
            }
            let response = TransportResponse(
                status: status,
                headers: transfer.parser.headers,
                body: transfer.body,
                reusedConnection: newConnections == 0,
                durationNanoseconds: ccepoll_monotonic_ns() &- transfer.startNanos
            )
            noteAddress(of: transfer, on: handle)
            complete(transfer, .success(response))
        } else if let failure = transfer.callbackFailure {
            complete(transfer, .failure(transfer.error(failure.kind, curlCode: code, message: failure.message)))
        } else {
            transferFailed(transfer, on: handle, failure(of: transfer, on: handle, code: code, newConnections: newConnections))
        }
    }

    // MARK: Events

    /// Tells libcurl that `fd` is ready (or, for `CURL_SOCKET_TIMEOUT`, that its timer expired).
    /// - SeeAlso: <https://curl.se/libcurl/c/curl_multi_socket_action.html>
    func socketAction(_ fd: curl_socket_t, _ events: Int32) {
        performSocketAction(fd, events)
        flushPendingKick()
    }

    func performSocketAction(_ fd: curl_socket_t, _ events: Int32) {
        guard let multi else { return }
        var runningHandles: Int32 = 0
        let code = curl_multi_socket_action(multi, fd, events, &runningHandles)
        if case .fatal(let message) = CurlCodes.disposition(of: code, in: "curl_multi_socket_action") {
            // "the state of all transfers are uncertain": fail them all.
            for transfer in Array(running.values) {
                complete(transfer, .failure(transfer.error(.other, message: message)))
            }
            return
        }
        drainCompletedTransfers()
    }

    // MARK: Shutdown

    /// Fails every transfer in flight, releases every libcurl handle (which closes every
    /// socket), lets the loop's thread end, and resumes `done`.
    func shutdown(_ done: CheckedContinuation<Void, Never>?) {
        if !isShutDown {
            for transfer in Array(running.values) {
                complete(transfer, .failure(transfer.error(.shutdown, message: "the transport was shut down")))
            }
            isShutDown = true
            closeAllDirectConnections()
            idleHandles.removeAll()
            if let multi { curl_multi_cleanup(multi) }
            multi = nil
            // libcurl closes a socket still in its TCP handshake without the close callback;
            // closing removed it from the epoll set all the same.
            sockets.removeAll()
            loop.requestStop()
        }
        done?.resume()
    }

    // MARK: Helpers

    private func check(_ code: CURLMcode, _ call: StaticString) {
        if case .fatal(let message) = CurlCodes.disposition(of: code, in: call) {
            logger.error("libcurl multi option failed", metadata: ["error": "\(message)"])
        }
    }

    private func log(_ transfer: Transfer, _ result: Result<TransportResponse, any Error>) {
        let request = transfer.request
        let elapsedMicroseconds = (ccepoll_monotonic_ns() &- transfer.startNanos) / 1000
        var metadata: Logger.Metadata = [
            "etcd.endpoint": "\(request.endpoint)",
            "etcd.method": "\(request.method.rawValue)",
            "etcd.path": "\(request.pathForLogging)",
            "etcd.duration_us": "\(elapsedMicroseconds)",
        ]
        switch result {
        case .success(let response):
            metadata["etcd.status"] = "\(response.status)"
            logger.debug("request finished", metadata: metadata)
        case .failure(let error):
            metadata["etcd.error"] = "\(error)"
            logger.debug("request failed", metadata: metadata)
        }
    }
}

/// `CURLMOPT_TIMERFUNCTION` trampoline.
private func driverTimerCallback(_ multi: UnsafeMutableRawPointer?, _ timeoutMilliseconds: Int, _ userp: UnsafeMutableRawPointer?) -> Int32 {
    guard let userp else { return -1 }
    // The driver outlives its multi handle: no retain needed for the call.
    Unmanaged<MultiDriver>.fromOpaque(userp)._withUnsafeGuaranteedRef {
        $0.curlTimerRequested(milliseconds: timeoutMilliseconds)
    }
    return 0
}
