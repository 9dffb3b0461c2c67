extension EtcdClient {
    /// How the client watches its endpoints' health.
    ///
    /// An endpoint that fails (a transport error, a header timeout, a 5xx answer, another
    /// cluster's ID) is cooled down: requests try it only after the available endpoints, and a
    /// background probe (`GET /health`) brings it back as soon as it answers healthy. Endpoints in
    /// use (the pinned one, and any that serve a watch) are probed every ``interval`` too, so
    /// that a member cut off from its peers — which still answers non-quorum reads and holds
    /// watches open, but never delivers an event — is left within about
    /// ``interval`` + ``probeTimeout`` (the Go client waits on it forever).
    public struct HealthCheck: Sendable, Hashable {
        /// How often endpoints in use are probed; `nil` turns background probing off (cooled
        /// endpoints then come back when their cooldown ends).
        public var interval: Duration?
        /// Time a probe may take; a slower answer counts as unhealthy.
        public var probeTimeout: Duration
        /// Cooldown after a first failure; it doubles with each consecutive failure.
        public var cooldown: Duration
        /// The longest cooldown.
        public var maxCooldown: Duration

        /// - Parameters:
        ///   - interval: Probe period for endpoints in use; default 2 seconds.
        ///   - probeTimeout: Default 1 second.
        ///   - cooldown: Default 500 ms.
        ///   - maxCooldown: Default 30 seconds.
        public init(
            interval: Duration? = .seconds(2), probeTimeout: Duration = .seconds(1),
            cooldown: Duration = .milliseconds(500), maxCooldown: Duration = .seconds(30)
        ) {
            self.interval = interval
            self.probeTimeout = probeTimeout
            self.cooldown = cooldown
            self.maxCooldown = maxCooldown
        }
    }

    /// Which endpoint requests go to first.
    public enum EndpointSelectionMode: Sendable, Hashable {
        /// The endpoints are shuffled once; requests stick to the endpoint that answered last
        /// (Go's `EndpointSelectionRandom`).
        case random
        /// Requests go to the leader's endpoint. The leader is looked up when the client starts,
        /// on ``EtcdClient/sync()`` and again whenever the endpoint in use fails (Go looks it up
        /// only in `Sync`).
        case prioritizeLeader
    }

    /// Which HTTP redirects the client follows.
    ///
    /// etcd itself only redirects unclean paths (which this client never sends), but a proxy or
    /// load balancer in front of it may. A relative `Location` is resolved against the request's
    /// URL; credentials are sent only to the origin (scheme, host, port) of the configured
    /// endpoint, never to another; the header timeout covers every hop together.
    public struct RedirectPolicy: Sendable {
        /// The most redirects followed for one request; one more fails the attempt.
        public var maxRedirects: Int
        /// Decides each hop (from URL, to URL); `nil` allows every hop within ``maxRedirects``.
        public var allow: (@Sendable (_ from: String, _ to: String) -> Bool)?

        /// - Parameters:
        ///   - maxRedirects: Default 10 (as Go's client: the 11th fails).
        ///   - allow: Extra per-hop decision; default none.
        public init(maxRedirects: Int = 10, allow: (@Sendable (_ from: String, _ to: String) -> Bool)? = nil) {
            self.maxRedirects = maxRedirects
            self.allow = allow
        }

        /// Follows up to 10 redirects.
        public static var `default`: RedirectPolicy { RedirectPolicy() }
        /// Follows none: a redirect fails the attempt.
        public static var none: RedirectPolicy { RedirectPolicy(maxRedirects: 0) }
    }
}
