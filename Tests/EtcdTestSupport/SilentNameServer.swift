import Glibc

/// A loopback UDP port that accepts DNS queries and never answers: what a hung or overloaded
/// name server looks like to a resolver (its packets arrive; no reply, no ICMP error).
public final class SilentNameServer: Sendable {
    /// `127.0.0.1`.
    public let address = "127.0.0.1"
    /// The bound UDP port.
    public let port: UInt16
    private let fd: Int32

    public init() throws {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw SocketError(operation: "socket(SOCK_DGRAM)", code: errno) }
        do {
            try Socket.bindLoopback(fd, port: 0)
            port = try Socket.localPort(fd)
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit {
        close(fd)
    }
}
