import Glibc

/// The direct path's state in the driver (on its loop thread only).
final class DirectPathState {
    /// Connections by descriptor, in use or idle.
    var connections: [Int32: DirectConnection] = [:]
    /// Idle connections by endpoint.
    var idle: [String: [DirectConnection]] = [:]
    var idleCount = 0
    var inFlight = 0
    var peakInFlight = 0
    /// For endpoints with a host name: the address libcurl last connected to, and when.
    var addresses: [String: (address: String, at: UInt64)] = [:]
    /// Whether an endpoint's host is a name (an `http://` endpoint the direct path could serve).
    private var namesHost: [String: Bool] = [:]
    /// Read once per transport: whether the environment names a proxy.
    let proxyInEnvironment: Bool
    /// Where every read lands before the reader keeps what it needs.
    let scratch: UnsafeMutableRawBufferPointer

    init() {
        proxyInEnvironment = DirectRoute.proxyInEnvironment { name in getenv(name).map { String(cString: $0) } }
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit {
        scratch.deallocate()
    }

    /// How long an address libcurl reached a host name at is used: libcurl's own DNS cache
    /// lifetime (`CURLOPT_DNS_CACHE_TIMEOUT`, 60 s).
    static let addressLifetimeNanos: UInt64 = 60 * 1_000_000_000

    /// The address to connect to for `route`'s host name, if libcurl reached its endpoint
    /// within ``addressLifetimeNanos``.
    func address(for endpoint: String, now: UInt64) -> String? {
        guard let entry = addresses[endpoint], now &- entry.at < Self.addressLifetimeNanos else { return nil }
        return entry.address
    }

    /// Whether `endpoint` is `http://` with a host name (decided once per endpoint). Runs for
    /// every request libcurl completes, so an endpoint whose host starts like an address
    /// (`http://1…`, `http://[…`) or that is not `http://` is answered without hashing it (a
    /// host name starting with a digit thus keeps its requests on libcurl).
    func namesHostToRecord(_ endpoint: String) -> Bool {
        var endpoint = endpoint
        let obviouslyNot = endpoint.withUTF8 { bytes in
            bytes.count < 8 || bytes[4] != UInt8(ascii: ":") || bytes[7] == UInt8(ascii: "[")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[7])
        }
        if obviouslyNot { return false }
        if let known = namesHost[endpoint] { return known }
        let isName = DirectRoute.parse(endpoint: endpoint).map { !$0.isAddress } ?? false
        namesHost[endpoint] = isName
        return isName
    }
}
