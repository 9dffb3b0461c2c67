/// Whether a request can take the direct path (served on a plain socket of the event loop
/// rather than by a libcurl handle), where it connects, and the bytes it sends.
///
/// libcurl is the general HTTP client; for a plain `GET` it is also most of the client's CPU
/// (more than half of the 97k user-space instructions of a `get`), and an idle watch costs it
/// about 12 KB (its easy handle alone is 5.4 KB, measured with heaptrack in
/// `docs/performance.md`). What libcurl does
/// that this path does not — TLS, proxies, name resolution, credentials, request bodies — keeps
/// a request on libcurl: only a `GET` without body or credentials to an `http://` endpoint,
/// with no proxy in the environment, goes direct (long polls only, or none, as
/// ``TransportConfiguration/directPath`` says); to a host name only once libcurl has reached
/// that endpoint within the last minute, at the address libcurl connected to (its DNS cache's
/// lifetime).
///
/// Pure: table-tested (`DirectRouteTests`).
struct DirectRoute: Equatable {
    /// The address literal, without brackets (`127.0.0.1`, `::1`), or the host name until
    /// ``resolved(to:)`` replaces it with the address to connect to.
    var host: String
    var port: Int
    /// The `Host` field: the endpoint's authority as written (`127.0.0.1:2379`, `[::1]:2379`,
    /// `etcd-1:2379`).
    var authority: String
    /// Whether ``host`` is an address to connect to; `false` for a host name.
    var isAddress = true

    /// The route with the address a host name resolved to.
    func resolved(to address: String) -> DirectRoute {
        var route = self
        route.host = address
        route.isAddress = true
        return route
    }

    /// The route of `request` when `scope` lets it go direct, or `nil` when it stays on libcurl.
    static func of(_ request: TransportRequest, scope: DirectPathScope, proxyInEnvironment: Bool) -> DirectRoute? {
        switch scope {
        case .off: return nil
        case .longPolls: guard request.isLongPoll else { return nil }
        case .gets: break
        }
        guard request.method == .get, request.body == nil, request.credentials == nil, !proxyInEnvironment
        else { return nil }
        return parse(endpoint: request.endpoint)
    }

    /// `http://` + an IPv4 literal, a bracketed IPv6 literal or a host name + an optional
    /// `:port`, nothing after it; `nil` for anything else (`https://`, user info, a path). A
    /// host name's route is not ``isAddress``: the driver connects to the address libcurl last
    /// reached it at (``DirectPathState/address(for:now:)``).
    static func parse(endpoint: String) -> DirectRoute? {
        let utf8 = Array(endpoint.utf8)
        let scheme = Array("http://".utf8)
        guard utf8.count > scheme.count,
            zip(utf8.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 })
        else { return nil }
        let authority = Array(utf8[scheme.count...])
        let host: [UInt8]
        var rest: ArraySlice<UInt8>
        var isName = false
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = Array(authority[1..<close])
            guard !host.isEmpty, host.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return nil }
            rest = authority[(close + 1)...]
        } else {
            let end = authority.firstIndex(of: UInt8(ascii: ":")) ?? authority.count
            host = Array(authority[..<end])
            if !isIPv4Literal(host) {
                guard isHostName(host) else { return nil }
                isName = true
            }
            rest = authority[end...]
        }
        var port = 80
        if let first = rest.first {
            guard first == UInt8(ascii: ":") else { return nil }
            rest = rest.dropFirst()
            guard !rest.isEmpty, rest.count <= 5, rest.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return nil }
            port = rest.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard (1...65535).contains(port) else { return nil }
        }
        return DirectRoute(
            host: String(decoding: host, as: UTF8.self), port: port, authority: String(decoding: authority, as: UTF8.self),
            isAddress: !isName)
    }

    /// The request as it goes on the wire; `nil` when a field would break the request (a CR
    /// or LF in a name or value, a name with a colon).
    func requestBytes(for request: TransportRequest) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(96 + request.pathAndQuery.utf8.count + authority.utf8.count)
        guard Self.isFieldSafe(request.pathAndQuery, allowSpace: false) else { return nil }
        bytes.append(contentsOf: "GET ".utf8)
        bytes.append(contentsOf: request.pathAndQuery.utf8)
        bytes.append(contentsOf: " HTTP/1.1\r\nHost: ".utf8)
        bytes.append(contentsOf: authority.utf8)
        bytes.append(contentsOf: "\r\nAccept: */*\r\n".utf8)
        for header in request.headers {
            guard !header.name.isEmpty, Self.isFieldSafe(header.name, allowSpace: false),
                !header.name.utf8.contains(UInt8(ascii: ":")), Self.isFieldSafe(header.value, allowSpace: true)
            else { return nil }
            bytes.append(contentsOf: header.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: header.value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    /// Whether the environment names a proxy that libcurl would use for `http://` or
    /// `https://` URLs (`http_proxy`, `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`;
    /// libcurl ignores `HTTP_PROXY`). Read once per transport, when it is created; `no_proxy`
    /// is not interpreted: any proxy keeps every request on libcurl, and without one libcurl
    /// is told not to look (`CURLOPT_PROXY ""`).
    static func proxyInEnvironment(_ environment: (String) -> String?) -> Bool {
        ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].contains {
            environment($0).map { !$0.isEmpty } ?? false
        }
    }

    private static func isIPv4Literal(_ host: [UInt8]) -> Bool {
        let parts = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                    && part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } <= 255
            }
    }

    /// Letters, digits, `-` and `.`, in labels of 1 to 63 bytes that do not start or end with
    /// `-`, and not all digits (`1.2.3` is a malformed address, not a name).
    private static func isHostName(_ host: [UInt8]) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        let labels = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let valid = labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isHexDigit($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) || $0 == UInt8(ascii: "-") }
        }
        return valid && !host.allSatisfy { $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    private static func isFieldSafe(_ text: String, allowSpace: Bool) -> Bool {
        text.utf8.allSatisfy { $0 != 0x0D && $0 != 0x0A && $0 != 0 && (allowSpace || $0 != 0x20) }
    }
}
