internal import CCurl
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The dispatch sources watching one socket for libcurl.
///
/// Two rules of libdispatch shape this type:
/// - A file descriptor must stay open until every source on it has run its cancel handler,
///   while libcurl closes a socket right after `CURL_POLL_REMOVE`. So sockets are closed through
///   `CURLOPT_CLOSESOCKETFUNCTION`, and a close that arrives while sources are live is deferred
///   to the last cancel handler. Until then the descriptor cannot be reused by a new connection.
/// - A new source must not be registered for a descriptor and direction while the previous
///   source for them is still being cancelled: the epoll registration of the new one can be
///   lost, and the transfer then waits forever. libcurl does unregister and re-register a socket
///   back to back, so the wanted state is recorded and applied once the old source is gone
///   (swift-corelibs-foundation's `_SocketReference` solves the same problem).
///
/// Confined to the driver's queue.
final class SocketWatch {
    private enum Direction: Int {
        case read = 0
        case write = 1
    }

    let fd: curl_socket_t
    private var sources: [(any DispatchSourceProtocol)?] = [nil, nil]
    private var wanted = [false, false]
    /// Sources cancelled whose cancel handler has not run yet, per direction.
    private var cancelling = [0, 0]
    private(set) var closeRequested = false

    init(fd: curl_socket_t) {
        self.fd = fd
    }

    /// Sources created and not yet through their cancel handler.
    var liveSources: Int {
        sources.count { $0 != nil } + cancelling[0] + cancelling[1]
    }

    /// Records what libcurl wants watched and makes the sources match as far as allowed now.
    func watch(read: Bool, write: Bool, driver: MultiDriver) {
        wanted = [read, write]
        reconcile(driver)
    }

    private func reconcile(_ driver: MultiDriver) {
        for direction in [Direction.read, .write] {
            let i = direction.rawValue
            if wanted[i], sources[i] == nil, cancelling[i] == 0, !closeRequested {
                sources[i] = makeSource(direction, driver: driver)
            } else if !wanted[i], let source = sources[i] {
                sources[i] = nil
                cancelling[i] += 1
                source.cancel()
            }
        }
    }

    private func makeSource(_ direction: Direction, driver: MultiDriver) -> any DispatchSourceProtocol {
        let fd = self.fd
        let source: any DispatchSourceProtocol
        switch direction {
        case .read:
            source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: driver.queue)
            source.setEventHandler { [weak driver] in driver?.socketAction(fd, CURL_CSELECT_IN) }
        case .write:
            source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: driver.queue)
            source.setEventHandler { [weak driver] in driver?.socketAction(fd, CURL_CSELECT_OUT) }
        }
        source.setCancelHandler { [weak driver] in self.sourceCancelled(direction, driver) }
        source.activate()
        return source
    }

    /// libcurl wants the socket closed: now if no source is live, else after the last one.
    /// Returns whether it may be closed now.
    func requestClose(driver: MultiDriver) -> Bool {
        watch(read: false, write: false, driver: driver)
        guard liveSources > 0 else { return true }
        closeRequested = true
        return false
    }

    private func sourceCancelled(_ direction: Direction, _ driver: MultiDriver?) {
        cancelling[direction.rawValue] -= 1
        if closeRequested {
            guard liveSources == 0 else { return }
            closeRequested = false
            _ = close(fd)
            driver?.socketClosed(self)
        } else if let driver {
            reconcile(driver)
            driver.socketWatchSettled(self)
        }
    }
}

extension MultiDriver {
    /// `CURLMOPT_SOCKETFUNCTION`: start, change or stop watching `fd`.
    /// - SeeAlso: <https://curl.se/libcurl/c/CURLMOPT_SOCKETFUNCTION.html>
    func socketInterestChanged(_ fd: curl_socket_t, _ what: Int32) {
        let watch: SocketWatch
        if let existing = sockets[fd] {
            watch = existing
        } else {
            guard what != CURL_POLL_REMOVE else { return }
            watch = SocketWatch(fd: fd)
            sockets[fd] = watch
        }
        switch what {
        case CURL_POLL_IN: watch.watch(read: true, write: false, driver: self)
        case CURL_POLL_OUT: watch.watch(read: false, write: true, driver: self)
        case CURL_POLL_INOUT: watch.watch(read: true, write: true, driver: self)
        default: watch.watch(read: false, write: false, driver: self)
        }
    }

    /// `CURLOPT_CLOSESOCKETFUNCTION`: close `fd` once no dispatch source uses it.
    /// - SeeAlso: <https://curl.se/libcurl/c/CURLOPT_CLOSESOCKETFUNCTION.html>
    func closeSocket(_ fd: curl_socket_t) -> Int32 {
        statistics.socketsClosed += 1
        guard let watch = sockets[fd] else { return close(fd) }
        guard watch.requestClose(driver: self) else { return 0 }
        sockets[fd] = nil
        let result = close(fd)
        resumeShutdownWaitersIfIdle()
        return result
    }

    /// A source of `watch` finished cancelling. After shutdown, a socket libcurl closed itself
    /// (it does so for a connection still in its handshake) is forgotten once its sources are gone.
    func socketWatchSettled(_ watch: SocketWatch) {
        guard isShutDown, watch.liveSources == 0, sockets[watch.fd] === watch else { return }
        sockets[watch.fd] = nil
        resumeShutdownWaitersIfIdle()
    }

    /// A deferred close has happened.
    func socketClosed(_ watch: SocketWatch) {
        if sockets[watch.fd] === watch { sockets[watch.fd] = nil }
        resumeShutdownWaitersIfIdle()
    }

    /// `CURLOPT_SOCKOPTFUNCTION`: a new connection's socket; sets `TCP_KEEPCNT`, which libcurl
    /// 7.88 has no option for.
    func socketOpened(_ fd: curl_socket_t) {
        statistics.socketsOpened += 1
        var probes = Int32(clamping: configuration.keepAliveProbes)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, socklen_t(MemoryLayout<Int32>.size))
    }
}

func driverSocketCallback(
    _ easy: UnsafeMutableRawPointer?, _ fd: curl_socket_t, _ what: Int32,
    _ userp: UnsafeMutableRawPointer?, _ socketp: UnsafeMutableRawPointer?
) -> Int32 {
    guard let userp else { return -1 }
    Unmanaged<MultiDriver>.fromOpaque(userp).takeUnretainedValue().socketInterestChanged(fd, what)
    return 0
}

func driverCloseSocketCallback(_ clientp: UnsafeMutableRawPointer?, _ fd: curl_socket_t) -> Int32 {
    guard let clientp else { return close(fd) }
    return Unmanaged<MultiDriver>.fromOpaque(clientp).takeUnretainedValue().closeSocket(fd)
}

func driverSockoptCallback(_ clientp: UnsafeMutableRawPointer?, _ fd: curl_socket_t, _ purpose: curlsocktype) -> Int32 {
    guard let clientp, purpose == CURLSOCKTYPE_IPCXN else { return ccurl_sockopt_ok }
    Unmanaged<MultiDriver>.fromOpaque(clientp).takeUnretainedValue().socketOpened(fd)
    return ccurl_sockopt_ok
}
