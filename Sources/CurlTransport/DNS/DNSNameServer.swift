import Glibc

/// A name server given by IP address and UDP/TCP port, used instead of `/etc/resolv.conf`'s.
package struct DNSNameServer: Sendable, Hashable, CustomStringConvertible {
    /// The address as given: an IPv4 (`127.0.0.1`) or IPv6 (`::1`) literal.
    package let address: String
    /// The port, usually 53.
    package let port: UInt16
    /// Whether ``address`` is IPv6.
    package let isIPv6: Bool

    /// `nil` unless `address` is an IPv4 or IPv6 literal (host names are not resolved: the name
    /// server is what resolves them).
    package init?(address: String, port: UInt16) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            isIPv6 = false
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            isIPv6 = true
        } else {
            return nil
        }
        self.address = address
        self.port = port
    }

    /// `127.0.0.1:53` or `[::1]:53`.
    package var description: String { isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }

    /// The IPv4 socket address; `nil` for an IPv6 server.
    func socketAddress4() -> sockaddr_in? {
        guard !isIPv6 else { return nil }
        var socket = sockaddr_in()
        socket.sin_family = sa_family_t(AF_INET)
        socket.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &socket.sin_addr) == 1 else { return nil }
        return socket
    }

    /// The IPv6 socket address; `nil` for an IPv4 server.
    func socketAddress6() -> sockaddr_in6? {
        guard isIPv6 else { return nil }
        var socket = sockaddr_in6()
        socket.sin6_family = sa_family_t(AF_INET6)
        socket.sin6_port = port.bigEndian
        guard inet_pton(AF_INET6, address, &socket.sin6_addr) == 1 else { return nil }
        return socket
    }
}
