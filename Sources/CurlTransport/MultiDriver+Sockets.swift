internal import CCurl
internal import CEpoll
import Glibc
import Logging

/// What the driver knows of one socket libcurl uses: what libcurl wants watched, and what the
/// epoll set holds for it.
///
/// The epoll registration is kept, lazily, when libcurl stops watching a socket: libcurl
/// unregisters a connection's socket whenever a transfer on it ends and registers it again for
/// the next request on the same connection, and skipping that pair of `epoll_ctl` calls per
/// request is the point. An event on a socket nobody wants (a server closing an idle kept-alive
/// connection) then removes the registration.
struct SocketInterest: Equatable {
    /// The epoll events libcurl wants; 0 when it watches nothing.
    var wanted: UInt32 = 0
    /// The epoll events registered for the socket; `nil` when it is not in the epoll set.
    var registered: UInt32?
}

/// ``SocketInterest`` by descriptor, in an array indexed by the descriptor: descriptors are
/// small integers, and this is looked up several times per request.
struct SocketTable {
    private var slots: [SocketInterest?] = []
    /// The descriptors in the table.
    private(set) var count = 0

    subscript(fd: curl_socket_t) -> SocketInterest? {
        get { fd >= 0 && Int(fd) < slots.count ? slots[Int(fd)] : nil }
        set {
            guard fd >= 0 else { return }
            let index = Int(fd)
            if index >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
            }
            switch (slots[index] == nil, newValue == nil) {
            case (true, false): count += 1
            case (false, true): count -= 1
            default: break
            }
            slots[index] = newValue
        }
    }

    mutating func removeAll() {
        slots.removeAll()
        count = 0
    }
}

extension MultiDriver {
    /// `CURLMOPT_SOCKETFUNCTION`: start, change or stop watching `fd`.
    /// - SeeAlso: <https://curl.se/libcurl/c/CURLMOPT_SOCKETFUNCTION.html>
    func socketInterestChanged(_ fd: curl_socket_t, _ what: Int32) {
        var interest = sockets[fd] ?? SocketInterest()
        switch what {
        case CURL_POLL_IN: interest.wanted = ccepoll_in
        case CURL_POLL_OUT: interest.wanted = ccepoll_out
        case CURL_POLL_INOUT: interest.wanted = ccepoll_in | ccepoll_out
        default: interest.wanted = 0
        }
        if interest.wanted != 0, interest.wanted != interest.registered {
            register(fd, &interest)
        }
        sockets[fd] = interest
    }

    /// Makes the epoll set hold what `interest` wants for `fd`. A descriptor number can come
    /// back for a new socket after libcurl closed the old one without telling us (it does so
    /// for a connection still in its handshake), so "already there" and "not there" answers
    /// from the kernel are taken as facts about the new socket.
    private func register(_ fd: curl_socket_t, _ interest: inout SocketInterest) {
        var operation = interest.registered == nil ? ccepoll_add : ccepoll_mod
        var result = loop.control(operation, fd, events: interest.wanted)
        if result == EEXIST || result == ENOENT {
            operation = result == EEXIST ? ccepoll_mod : ccepoll_add
            result = loop.control(operation, fd, events: interest.wanted)
        }
        if result == 0 {
            interest.registered = interest.wanted
            statistics.epollChanges += 1
        } else {
            interest.registered = nil
            logger.error("epoll_ctl failed for a libcurl socket", metadata: ["fd": "\(fd)", "errno": "\(result)"])
        }
    }

    /// A socket in the epoll set is ready.
    func descriptorReady(_ fd: Int32, events: UInt32) {
        if let connection = direct.connections[fd] {
            return directConnectionReady(connection, events: events)
        }
        guard let interest = sockets[fd], interest.wanted != 0 else {
            // Registered for a finished transfer and not wanted since: stop watching it.
            _ = loop.control(ccepoll_del, fd, events: 0)
            sockets[fd]?.registered = nil
            statistics.epollChanges += 1
            return
        }
        var action: Int32 = 0
        if events & (ccepoll_in | ccepoll_hup | ccepoll_err) != 0 { action |= CURL_CSELECT_IN }
        if events & ccepoll_out != 0 { action |= CURL_CSELECT_OUT }
        if events & ccepoll_err != 0 { action |= CURL_CSELECT_ERR }
        socketAction(fd, action)
    }

    /// `CURLOPT_CLOSESOCKETFUNCTION`: closing a descriptor also takes it out of the epoll set.
    /// - SeeAlso: <https://curl.se/libcurl/c/CURLOPT_CLOSESOCKETFUNCTION.html>
    func closeSocket(_ fd: curl_socket_t) -> Int32 {
        statistics.socketsClosed += 1
        sockets[fd] = nil
        return close(fd)
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
    // The driver outlives its multi handle: no retain needed for the call.
    Unmanaged<MultiDriver>.fromOpaque(userp)._withUnsafeGuaranteedRef { $0.socketInterestChanged(fd, what) }
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
