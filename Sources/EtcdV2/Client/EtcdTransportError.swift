import CurlTransport

/// A request that failed on its way to or from one endpoint, before a complete HTTP response.
///
/// Carries the endpoint, libcurl's code and message, and whether the request can have reached
/// the server (``Delivery``): a write that was ``Delivery/notSent`` is safe to send again.
public struct EtcdTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        case couldNotResolve, couldNotConnect, connectTimeout
        /// The TLS connection failed, or the TLS files could not be used: ``tlsFailure`` says why.
        case tls
        case headerTimeout, deadlineExceeded
        case connectionClosed, malformedResponse, responseTooLarge, shutdown, invalidRequest, other
    }

    /// Why a TLS connection failed (``EtcdTransportError/tlsFailure``, set exactly when the kind
    /// is ``Kind/tls``). Every reason but ``handshakeFailed`` names a problem a person must fix
    /// in the certificates or the configuration; none heals by retrying.
    public enum TLSFailure: String, Sendable, Hashable {
        /// The server's certificate chain does not lead to a trusted CA (an unknown or wrong CA,
        /// a self-signed, expired or not yet valid certificate). Check ``EtcdClient/TLS/caFile``.
        case serverCertificateUntrusted
        /// The server's certificate is valid but not for the endpoint's host name or IP address
        /// (its subject alternative names do not list it).
        case serverNameMismatch
        /// The server requires a client certificate (etcd's `--client-cert-auth`) and none is
        /// configured.
        case clientCertificateRequired
        /// The server refused the client certificate: not signed by a CA it trusts
        /// (`--trusted-ca-file`), expired, or not meant for client authentication.
        case clientCertificateRejected
        /// ``EtcdClient/TLS/caFile`` or ``EtcdClient/TLS/caDirectory`` cannot be read or holds
        /// no PEM certificate.
        case caBundleUnusable
        /// ``EtcdClient/TLS/certificateFile`` or ``EtcdClient/TLS/keyFile`` cannot be read or is
        /// not PEM, or the key does not belong to the certificate.
        case clientCertificateUnusable
        /// Any other handshake failure: no common protocol version or cipher, or a peer that
        /// does not speak TLS (an `http` port).
        case handshakeFailed
    }

    /// Whether the request can have reached the server.
    public enum Delivery: String, Sendable, Hashable {
        /// The server cannot have processed the request: nothing of it left this process, or the
        /// server refused the TLS handshake (a server cannot read a request before its handshake
        /// is complete). Safe to send again anywhere.
        case notSent
        /// The request may have reached the server and been applied.
        case possiblySent
    }

    /// What went wrong.
    public var kind: Kind
    /// Why the TLS connection failed, when ``kind`` is ``Kind/tls``; `nil` otherwise.
    public var tlsFailure: TLSFailure?
    /// Whether the request can have reached the server.
    public var delivery: Delivery
    /// Scheme and authority of the endpoint, e.g. `http://127.0.0.1:2379`.
    public var endpoint: String
    /// libcurl's `CURLcode`, when libcurl reported the failure.
    public var curlCode: Int32?
    /// A human-readable account of the failure.
    public var message: String
    /// Time from the start of the request until it failed.
    public var elapsed: Duration?

    public var description: String {
        let code = curlCode.map { ", curl \($0)" } ?? ""
        let sent = delivery == .notSent ? "not sent" : "possibly sent"
        let reason = tlsFailure.map { " \($0.rawValue)" } ?? ""
        return "\(endpoint): \(kind.rawValue)\(reason) (\(sent)\(code)): \(message)"
    }

    init(_ error: TransportError) {
        kind = Kind(rawValue: error.kind.rawValue) ?? .other
        tlsFailure = error.tlsFailure.flatMap { TLSFailure(rawValue: $0.rawValue) }
        delivery = error.delivery == .notSent ? .notSent : .possiblySent
        endpoint = error.endpoint
        curlCode = error.curlCode
        message = error.message
        elapsed = error.elapsed
    }
}

/// Every endpoint failed. Lists each endpoint's failure, in the order they were tried.
public struct EtcdClusterError: Error, Sendable, CustomStringConvertible {
    /// One endpoint's failure.
    public struct Failure: Sendable, CustomStringConvertible {
        /// The endpoint tried.
        public var endpoint: String
        /// Its error: an ``EtcdTransportError``, or an ``EtcdResponseError`` for a 5xx answer
        /// (whose body is kept), or another client error.
        public var error: any Error & Sendable

        public var description: String { "\(endpoint): \(error)" }
    }

    /// The failures, in try order.
    public var failures: [Failure]

    public var description: String {
        "etcd cluster unavailable: " + failures.map(\.description).joined(separator: "; ")
    }
}

/// The client was used wrongly: no endpoints, or an endpoint URL it cannot use.
public struct EtcdConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A human-readable account.
    public var message: String

    public var description: String { message }
}

/// The time the caller allowed for a call (``KeysAPI/timeout(_:)``) passed before an answer
/// arrived. Counts across every endpoint tried; a write cut short this way may have been
/// applied (see ``failures``).
public struct EtcdDeadlineExceeded: Error, Sendable, CustomStringConvertible {
    /// The time allowed.
    public var timeout: Duration
    /// What each endpoint tried before the deadline did, in try order; the last one was cut short.
    public var failures: [EtcdClusterError.Failure]

    public var description: String {
        let tried = failures.isEmpty ? "" : "; tried: " + failures.map(\.description).joined(separator: "; ")
        return "etcd request exceeded its deadline of \(timeout)\(tried)"
    }
}
