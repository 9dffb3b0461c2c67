internal import CCurl
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The dispatch sources watching one socket for libcurl.
///
/// libdispatch needs a file descriptor to stay open until every source on it has run its
/// cancel handler, while libcurl closes a socket right after `CURL_POLL_REMOVE`. So sockets are
/// closed through `CURLOPT_CLOSESOCKETFUNCTION`, and a close that arrives while sources are still
/// live is deferred to the last cancel handler. Until then the descriptor cannot be reused by a
/// new connection. Confined to the driver's queue.
final class SocketWatch {
    let fd: curl_socket_t
    private var read: (any DispatchSourceRead)?
    private var write: (any DispatchSourceWrite)?
    /// Sources created and not yet through their cancel handler.
    private(set) var liveSources = 0
    private(set) var closeRequested = false

    init(fd: curl_socket_t) {
        self.fd = fd
    }

    /// Makes the sources match what libcurl wants watched.
    func watch(read wantRead: Bool, write wantWrite: Bool, driver: MultiDriver) {
        if wantRead, read == nil {
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: driver.queue)
            let fd = self.fd
            source.setEventHandler { [weak driver] in driver?.socketAction(fd, CURL_CSELECT_IN) }
            source.setCancelHandler { [weak driver] in self.sourceFinished(driver) }
            liveSources += 1
            source.activate()
            read = source
        } else if !wantRead, let source = read {
            source.cancel()
            read = nil
        }
        if wantWrite, write == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: driver.queue)
            let fd = self.fd
            source.setEventHandler { [weak driver] in driver?.socketAction(fd, CURL_CSELECT_OUT) }
            source.setCancelHandler { [weak driver] in self.sourceFinished(driver) }
            liveSources += 1
            source.activate()
            write = source
        } else if !wantWrite, let source = write {
            source.cancel()
            write = nil
        }
    }

    /// libcurl wants the socket closed: now if no source is live, else after the last one.
    /// Returns whether it was closed now.
    func requestClose(driver: MultiDriver) -> Bool {
        watch(read: false, write: false, driver: driver)
        guard liveSources > 0 else { return true }
        closeRequested = true
        return false
    }

    private func sourceFinished(_ driver: MultiDriver?) {
        liveSources -= 1
        guard liveSources == 0, closeRequested else { return }
        closeRequested = false
        _ = close(fd)
        driver?.socketClosed(self)
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
