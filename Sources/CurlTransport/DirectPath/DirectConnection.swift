internal import CEpoll
import Glibc

/// One plain TCP connection of the event loop that carries direct requests, one at a time, and is
/// kept between them (HTTP/1.1 keep-alive), as libcurl keeps its connections.
///
/// All state is touched on the driver's loop thread only (``MultiDriver``'s contract); that
/// confinement is the unchecked `Sendable` claim, as ``Transfer``'s (a closure posted to the
/// loop closes a timed-out connection after its caller was resumed).
final class DirectConnection: @unchecked Sendable {
    enum Stage {
        /// The non-blocking connect is in progress: waiting for writability, then `request` goes out.
        case connecting(request: [UInt8])
        /// Writing the request; `offset` bytes are out.
        case sending(bytes: [UInt8], offset: Int)
        /// The request is out; reading the response.
        case receiving
        /// Between two requests, in the driver's idle pool since `since` (monotonic ns).
        case idle(since: UInt64)
    }

    let fd: Int32
    /// The endpoint it is connected to (`http://127.0.0.1:2379`), the idle pool's key.
    let endpoint: String
    var stage: Stage
    /// Whether it carried a response before the current request.
    var servedBefore = false
    /// The epoll events it is registered for.
    var registered: UInt32 = 0
    /// The reader of the current response.
    var reader: HTTPResponseReader
    /// The transfer it serves; `nil` while idle.
    var transfer: Transfer?
    /// Whether it is in the driver's idle pool.
    var isIdle: Bool {
        if case .idle = stage { return true }
        return false
    }

    init(fd: Int32, endpoint: String, stage: Stage, maxBodyBytes: Int) {
        self.fd = fd
        self.endpoint = endpoint
        self.stage = stage
        self.reader = HTTPResponseReader(maxBodyBytes: maxBodyBytes)
    }

    /// What one attempt to move the connection forward found.
    enum IO {
        /// Nothing more can be done until the socket is ready again.
        case wouldBlock
        /// The step is done.
        case done
        /// The server closed the connection.
        case closed
        /// The socket failed with this `errno`.
        case failed(Int32)
    }

    /// Sends what is left of the request.
    func send() -> IO {
        guard case .sending(let bytes, var offset) = stage else { return .done }
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { all in
                ccepoll_send(fd, all.baseAddress.map { $0 + offset }, UInt(bytes.count - offset))
            }
            if sent >= 0 {
                offset += sent
            } else if sent == -Int(EINTR) {
                continue
            } else if sent == -Int(EAGAIN) || sent == -Int(EWOULDBLOCK) {
                stage = .sending(bytes: bytes, offset: offset)
                return .wouldBlock
            } else {
                return .failed(Int32(-sent))
            }
        }
        stage = .receiving
        return .done
    }

    /// Reads what the socket holds into `scratch`, handing each piece to `consume`, until the
    /// socket is drained, the peer closed, or `consume` says stop (returns `false`).
    func receive(into scratch: UnsafeMutableRawBufferPointer, _ consume: (UnsafeRawBufferPointer) -> Bool) -> IO {
        while true {
            let count = ccepoll_receive(fd, scratch.baseAddress, UInt(scratch.count))
            if count > 0 {
                guard consume(UnsafeRawBufferPointer(rebasing: scratch[..<count])) else { return .done }
                if count < scratch.count { return .wouldBlock }
            } else if count == 0 {
                return .closed
            } else if count == -Int(EINTR) {
                continue
            } else if count == -Int(EAGAIN) || count == -Int(EWOULDBLOCK) {
                return .wouldBlock
            } else {
                return .failed(Int32(-count))
            }
        }
    }

    /// Closes the socket, which also takes it out of the epoll set.
    func close() {
        _ = Glibc.close(fd)
    }
}
