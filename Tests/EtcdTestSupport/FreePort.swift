import Glibc

/// Hands out loopback TCP ports that were free a moment ago.
///
/// ``allocate()`` binds `127.0.0.1:0`, reads the port the kernel chose and closes the
/// socket. Another process may still grab the port before the caller binds it, so
/// callers that start servers on these ports must be ready to retry (``EtcdCluster``
/// retries a whole cluster start when etcd reports "address already in use").
///
/// Within one process a port is never handed out twice while it is among the most
/// recently allocated ports, so parallel tests do not race each other for one port.
public enum FreePort {
    /// Ports reserved for another harness; ``allocate()`` never returns one of these.
    public static let reservedRange: ClosedRange<UInt16> = 22379...22399

    /// How many recently handed-out ports are remembered and not handed out again.
    static let memory = 4096

    /// Recently handed-out ports, oldest first, and the same ports as a set.
    private static let recent = Locked<(order: [UInt16], members: Set<UInt16>)>(([], []))

    /// Returns a loopback TCP port that was free when this call checked.
    ///
    /// - Throws: ``EtcdHarnessError/noFreePort(_:)`` when no acceptable port turned up
    ///   after many tries, or the socket error that prevented trying.
    public static func allocate() throws -> UInt16 {
        for _ in 0..<200 {
            let port = try probe()
            if reservedRange.contains(port) { continue }
            let fresh = recent.withLock { state -> Bool in
                guard !state.members.contains(port) else { return false }
                state.order.append(port)
                state.members.insert(port)
                if state.order.count > memory {
                    state.members.remove(state.order.removeFirst())
                }
                return true
            }
            if fresh { return port }
        }
        throw EtcdHarnessError.noFreePort("no usable loopback port after 200 attempts")
    }

    /// Binds an ephemeral loopback port, reads it and closes the socket.
    private static func probe() throws -> UInt16 {
        let fd = try Socket.makeTCP()
        defer { close(fd) }
        try Socket.bindLoopback(fd, port: 0)
        return try Socket.localPort(fd)
    }
}
