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
        /// The TLS handshake failed, or TLS material could not be used; ``TransportError/tlsFailure``
        /// says why.
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

    /// Why a TLS connection failed (set exactly when ``Kind/tls``).
    package enum TLSFailure: String, Sendable, Hashable {
        /// The server's certificate chain does not verify against the trusted CAs.
        case serverCertificateUntrusted
        /// The server's certificate is valid but not for the endpoint's host name or IP address.
        case serverNameMismatch
        /// The server requires a client certificate and none was configured.
        case clientCertificateRequired
        /// The server refused the configured client certificate.
        case clientCertificateRejected
        /// The CA bundle (or directory) cannot be read or holds no certificate.
        case caBundleUnusable
        /// The client certificate or key cannot be read, is not PEM, or the two do not match.
        case clientCertificateUnusable
        /// Any other handshake failure (no common version or cipher, a peer that does not speak TLS).
        case handshakeFailed
    }

    /// Whether the request can have reached the server.
    package enum Delivery: String, Sendable, Hashable {
        /// The server cannot have processed the request: nothing of it left this process, or the
        /// server refused the TLS handshake (it cannot read a request before the handshake is done).
        case notSent
        /// The request may have reached the server and may have been applied.
        case possiblySent
    }

    package var kind: Kind
    /// Why the TLS connection failed, when ``kind`` is ``Kind/tls``.
    package var tlsFailure: TLSFailure?
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
        kind: Kind, tlsFailure: TLSFailure? = nil, delivery: Delivery, endpoint: String, curlCode: Int32? = nil,
        message: String, elapsed: Duration? = nil
    ) {
        self.kind = kind
        self.tlsFailure = tlsFailure
        self.delivery = delivery
        self.endpoint = endpoint
        self.curlCode = curlCode
        self.message = message
        self.elapsed = elapsed
    }

    package var description: String {
        let code = curlCode.map { " (curl \($0))" } ?? ""
        let reason = tlsFailure.map { " (\($0.rawValue))" } ?? ""
        return "\(endpoint): \(kind.rawValue)\(reason), \(delivery == .notSent ? "not sent" : "possibly sent")\(code): \(message)"
    }
}
