extension EtcdClient {
    /// The endpoints requests go to, in the client's order (shuffled when the client was made,
    /// replaced by ``setEndpoints(_:)`` and ``sync()``).
    public var endpoints: [String] { requester.state.endpoints }

    /// The endpoint the next request goes to first: the one that answered last (or, in
    /// ``EndpointSelectionMode/prioritizeLeader`` mode, the leader's). A request skips it while
    /// it is cooling down after a failure.
    public var pinnedEndpoint: String { requester.state.pinnedEndpoint }

    /// The cluster ID (`X-Etcd-Cluster-Id`, lowercase hex) configured or learnt from the
    /// first answer; `nil` before any.
    public var clusterID: String? { requester.state.clusterID }

    /// Replaces the endpoints (validated; shuffled in ``EndpointSelectionMode/random`` mode).
    /// The pinned endpoint stays pinned if it is still listed (Go's client re-pins at random).
    ///
    /// - Throws: ``EtcdConfigurationError`` for an empty list or an invalid URL; the endpoints
    ///   are then unchanged.
    public func setEndpoints(_ endpoints: [String]) throws {
        let validated = try Self.validatedEndpoints(endpoints)
        requester.state.replaceEndpoints(configuration.ordered(validated))
        if configuration.selectionMode == .prioritizeLeader { leaderLocator.refresh(using: requester) }
    }

    /// Validates and de-duplicates endpoint URLs, keeping their order.
    static func validatedEndpoints(_ endpoints: [String]) throws(EtcdConfigurationError) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for url in endpoints {
            let endpoint = try Endpoint.validate(url)
            if seen.insert(endpoint).inserted { result.append(endpoint) }
        }
        guard !result.isEmpty else { throw EtcdConfigurationError(message: "no endpoints configured") }
        return result
    }
}

extension EtcdClient.Configuration {
    /// `endpoints` in the order the client uses them: shuffled when ``shuffleEndpoints`` is set
    /// (in ``EtcdClient/EndpointSelectionMode/random`` mode; the leader mode pins the leader).
    func ordered(_ endpoints: [String]) -> [String] {
        shuffleEndpoints && selectionMode == .random ? endpoints.shuffled() : endpoints
    }
}
