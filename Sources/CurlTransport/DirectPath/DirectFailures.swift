import Glibc

/// What each `errno` of the direct path means: the direct path's counterpart of ``CurlCodes``,
/// in the same ``TransportError`` kinds and with libcurl's wording, so callers cannot tell the
/// paths apart.
enum DirectFailures {
    /// How long an idle connection is trusted with another request (libcurl's `CURLOPT_MAXAGE_CONN`).
    static let maxIdleNanos: UInt64 = 118 * 1_000_000_000

    /// A connect that failed (nothing was sent).
    static func connect(errno code: Int32, route: DirectRoute?) -> (kind: TransportError.Kind, message: String) {
        let target = route.map { "\($0.host) port \($0.port)" } ?? "the server"
        switch code {
        case EINVAL, EAFNOSUPPORT:
            return (.invalidRequest, "cannot connect to \(target): \(describe(code))")
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            return (.other, "no socket for a connection to \(target): \(describe(code))")
        default:
            return (.couldNotConnect, "Failed to connect to \(target): \(describe(code))")
        }
    }

    /// The connection failed after the request started to go out (0: the server closed it).
    static func lost(errno code: Int32) -> (kind: TransportError.Kind, message: String) {
        code == 0
            ? (.connectionClosed, "the connection closed without a response")
            : (.connectionClosed, "Connection failure: \(describe(code))")
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
