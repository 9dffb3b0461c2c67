import Glibc

/// A failed socket system call, with the call's name and `errno`.
struct SocketError: Error, CustomStringConvertible {
    /// The system call that failed, e.g. `"bind"`.
    var operation: String
    /// The `errno` value observed right after the call.
    var code: Int32

    var description: String { "\(operation) failed: \(Socket.describe(errno: code))" }
}

/// Thin wrappers over blocking IPv4 TCP sockets, used by ``FreePort``, ``LoopbackServer``
/// and ``LoopbackHTTP``. Every descriptor is created close-on-exec so spawned etcd
/// processes never inherit (and so never keep alive) a test's sockets.
enum Socket {
    /// `127.0.0.1` in host byte order.
    static let loopbackHostOrder: UInt32 = 0x7F00_0001

    /// A human-readable `strerror` text with the number appended.
    static func describe(errno code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    /// Creates a blocking TCP socket with `SOCK_CLOEXEC`.
    static func makeTCP() throws -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
        return fd
    }

    /// Marks a descriptor close-on-exec (for descriptors not created with `SOCK_CLOEXEC`).
    static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// Sets `O_NONBLOCK`, for descriptors driven by a `poll(2)` loop.
    static func setNonBlocking(_ fd: Int32) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw SocketError(operation: "fcntl(O_NONBLOCK)", code: errno)
        }
    }

    /// Sets `TCP_NODELAY`, so small writes (raft heartbeats) leave at once.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// An IPv4 socket address; `host` is in host byte order.
    static func address(host: UInt32 = loopbackHostOrder, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: host.bigEndian)
        return address
    }

    /// Sets `SO_REUSEADDR` so a listener can rebind a port left in `TIME_WAIT`.
    static func setReuseAddress(_ fd: Int32) throws {
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size) == 0 else {
            throw SocketError(operation: "setsockopt(SO_REUSEADDR)", code: errno)
        }
    }

    /// Binds `fd` to `127.0.0.1:port` (`port` 0 picks an ephemeral port).
    static func bindLoopback(_ fd: Int32, port: UInt16) throws {
        var address = address(port: port)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw SocketError(operation: "bind", code: errno) }
    }

    /// The local port a bound socket got.
    static func localPort(_ fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard result == 0 else { throw SocketError(operation: "getsockname", code: errno) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Connects `fd` to `host:port` (host in host byte order), retrying on `EINTR`.
    static func connect(_ fd: Int32, host: UInt32, port: UInt16) throws {
        var address = address(host: host, port: port)
        while true {
            let result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result == 0 { return }
            let code = errno
            if code == EINTR { continue }
            throw SocketError(operation: "connect", code: code)
        }
    }

    /// Sets `SO_RCVTIMEO` or `SO_SNDTIMEO`; durations at or below zero become 1 µs
    /// (zero would mean "block forever").
    static func setTimeout(_ fd: Int32, option: Int32, _ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if value.tv_sec < 0 || (value.tv_sec == 0 && value.tv_usec <= 0) {
            value = timeval(tv_sec: 0, tv_usec: 1)
        }
        _ = setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends every byte with `MSG_NOSIGNAL`; returns `false` once the peer is gone,
    /// the send timed out, or the socket was shut down.
    @discardableResult
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = send(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent > 0 {
                    offset += sent
                } else if sent < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// Sends a string's UTF-8 bytes; see ``sendAll(_:_:)-([UInt8])``.
    @discardableResult
    static func sendAll(_ fd: Int32, _ text: String) -> Bool {
        sendAll(fd, Array(text.utf8))
    }

    /// `shutdown(fd, SHUT_RDWR)`: wakes any thread blocked in `accept`, `recv` or `send`.
    static func shutdownBoth(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }
}
