/// A write may have been applied, and its answer was lost: the request reached (or may have
/// reached) ``endpoint`` and then the connection failed or timed out.
///
/// The client never sends such a write a second time (the Go client does, for CAS and
/// create-in-order, which can apply them twice). Read the key to learn what happened.
public struct EtcdOutcomeUnknownError: Error, Sendable, CustomStringConvertible {
    /// The endpoint the write went to.
    public var endpoint: String
    /// What cut the exchange short (its ``EtcdTransportError/delivery`` is `possiblySent`).
    public var cause: EtcdTransportError
    /// Endpoints tried before, which provably did not apply it, in try order.
    public var earlierFailures: [EtcdClusterError.Failure]

    public var description: String {
        "outcome unknown: the write may have been applied by \(endpoint): \(cause)"
    }
}

/// An endpoint answered for another etcd cluster than the one the client belongs to (its
/// `X-Etcd-Cluster-Id` differs): a member replaced behind the same URL, or a wrong endpoint.
/// Its answer is discarded and the endpoint is cooled down.
public struct EtcdClusterMismatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The endpoint that answered.
    public var endpoint: String
    /// The cluster ID the client expects (configured, or learnt on first contact).
    public var expected: String
    /// The cluster ID the endpoint sent.
    public var received: String

    public var description: String {
        "\(endpoint) belongs to etcd cluster \(received), not \(expected)"
    }
}

/// A redirect the client would not follow.
public struct EtcdRedirectError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why.
    public enum Kind: String, Sendable, Hashable {
        /// A 3xx answer without a `Location` header.
        case missingLocation
        /// A `Location` that is not an http(s) URL or path.
        case invalidLocation
        /// More hops than ``EtcdClient/RedirectPolicy/maxRedirects``.
        case tooManyRedirects
        /// ``EtcdClient/RedirectPolicy/allow`` refused the hop.
        case refused
    }

    /// Why.
    public var kind: Kind
    /// The endpoint first asked.
    public var endpoint: String
    /// The `Location` header, if any.
    public var location: String?

    public var description: String {
        "\(endpoint): redirect not followed (\(kind.rawValue))" + (location.map { ": \($0)" } ?? "")
    }
}

/// An endpoint skipped or left because it is unhealthy: cooling down after a failure, or found
/// cut off from its cluster by a health probe while serving a watch.
public struct EtcdEndpointUnhealthyError: Error, Sendable, CustomStringConvertible {
    /// The endpoint.
    public var endpoint: String
    /// Its last failure (a request's, or the probe's), if known.
    public var lastFailure: (any Error & Sendable)?

    public var description: String {
        "\(endpoint): unhealthy" + (lastFailure.map { " (last failure: \($0))" } ?? "")
    }
}
