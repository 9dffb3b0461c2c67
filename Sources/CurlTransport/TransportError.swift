/// A request that failed in the transport, before an HTTP response was complete.
///
/// Every error names the endpoint, carries libcurl's code and message where libcurl produced
/// it, and says whether the request can have reached the server (``Delivery``), which decides
/// whether a non-idempotent request may be tried again elsewhere.
package struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, independent of libcurl's numbering.
    package enum Kind: String, Sendable, Hashable {
        /// The host name did not resolve.
        case couldNotResolve
        /// The TCP connection was refused or the host was unreachable.
        case couldNotConnect
        /// The connection (TCP, and TLS for https) did not complete within the connect timeout.
        case connectTimeout
        /// The TLS handshake failed: unknown CA, wrong host name, bad or missing client certificate.
        case tls
        /// The final response header block did not arrive within the header timeout.
        case headerTimeout
        /// The whole response did not arrive within the request's deadline.
        case deadlineExceeded
        /// The connection broke or closed before the response was complete.
        case connectionClosed
        /// The server answered with something that is not HTTP.
        case malformedResponse
        /// The response body was larger than the configured cap.
        case responseTooLarge
        /// The transport was shut down.
        case shutdown
        /// The request could not be handed to libcurl (bad URL, bad option).
        case invalidRequest
        /// Anything libcurl reported that fits none of the above.
        case other
    }

    /// Whether the request can have reached the server.
    package enum Delivery: String, Sendable, Hashable {
        /// No request bytes left this process: safe to send again anywhere.
        case notSent
        /// The request may have reached the server and may have been applied.
        case possiblySent
    }

    package var kind: Kind
    package var delivery: Delivery
    /// Scheme and authority of the server: `http://127.0.0.1:2379`.
    package var endpoint: String
    /// libcurl's `CURLcode`, when libcurl reported the failure.
    package var curlCode: Int32?
    /// A human-readable account: libcurl's error buffer or the transport's own words.
    package var message: String
    /// Time from the start of the request until the transport decided it failed, measured on
    /// the transport's queue (so it does not include the wait for the caller's task to resume).
    package var elapsed: Duration?

    package init(
        kind: Kind, delivery: Delivery, endpoint: String, curlCode: Int32? = nil, message: String,
        elapsed: Duration? = nil
    ) {
        self.kind = kind
        self.delivery = delivery
        self.endpoint = endpoint
        self.curlCode = curlCode
        self.message = message
        self.elapsed = elapsed
    }

    package var description: String {
        let code = curlCode.map { " (curl \($0))" } ?? ""
        return "\(endpoint): \(kind.rawValue), \(delivery == .notSent ? "not sent" : "possibly sent")\(code): \(message)"
    }
}
