import CurlTransport

/// A request that failed on its way to or from one endpoint, before a complete HTTP response.
///
/// Carries the endpoint, libcurl's code and message, and whether the request can have reached
/// the server (``Delivery``): a write that was ``Delivery/notSent`` is safe to send again.
public struct EtcdTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        case couldNotResolve, couldNotConnect, connectTimeout, tls, headerTimeout, deadlineExceeded
        case connectionClosed, malformedResponse, responseTooLarge, shutdown, invalidRequest, other
    }

    /// Whether the request can have reached the server.
    public enum Delivery: String, Sendable, Hashable {
        /// Nothing left this process: safe to send again anywhere.
        case notSent
        /// The request may have reached the server and been applied.
        case possiblySent
    }

    /// What went wrong.
    public var kind: Kind
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
        return "\(endpoint): \(kind.rawValue) (\(sent)\(code)): \(message)"
    }

    init(_ error: TransportError) {
        kind = Kind(rawValue: error.kind.rawValue) ?? .other
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
