#if canImport(Glibc)
import Glibc
#endif

/// A loopback listener whose accept queue is full, so that a new connection attempt hangs in
/// the TCP handshake: the kernel drops its SYNs. This is how a test makes *connect* slow on
/// loopback (connect timeout, header timeout during connect, cancellation during connect).
///
/// Listens with a backlog of 0 and fills the queue with a few connections it never accepts.
public final class UnacceptingListener: Sendable {
    public let port: UInt16
    public var url: String { "http://127.0.0.1:\(port)" }
    private let descriptors: [Int32]

    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw EtcdHarnessError.startFailed("socket(): errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 0) == 0 else {
            close(listener)
            throw EtcdHarnessError.startFailed("bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        var descriptors = [listener]
        // Fill the accept queue; later SYNs are dropped while it stays full.
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard client >= 0 else { continue }
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            descriptors.append(client)
        }
        self.port = port
        self.descriptors = descriptors
        // Give the kernel a moment to complete the queued handshakes.
        usleep(20_000)
    }

    deinit {
        for fd in descriptors { close(fd) }
    }
}
