extension EtcdClient.Configuration {
    /// A configuration whose endpoints come from DNS SRV records (see ``EtcdSRVDiscovery``),
    /// the other settings at their defaults; change them before making the client.
    ///
    /// ```swift
    /// var configuration = try await EtcdClient.Configuration.discover(domain: "example.com")
    /// configuration.tls = .init(caFile: "/etc/etcd/ca.pem")
    /// let client = try EtcdClient(configuration: configuration)
    /// ```
    ///
    /// ``shuffleEndpoints`` is `false`: the discovered order (priority first, then the weighted
    /// random draw of RFC 2782, drawn anew by each discovery) already spreads clients over the
    /// members as the DNS operator asked, and a shuffle would undo the priorities. The first
    /// endpoint is the one tried first; failover moves down the list. Setting
    /// ``shuffleEndpoints`` back to `true` ignores priorities and weights.
    ///
    /// - Parameters:
    ///   - domain: The domain whose `_etcd-client-ssl._tcp` and `_etcd-client._tcp` records
    ///     name the cluster.
    ///   - serviceName: Optional suffix of the service label (`_etcd-client-<name>._tcp`).
    ///   - nameServer: The name server to ask; default the system's (`/etc/resolv.conf`).
    ///   - timeout: The longest the DNS lookups take; default 5 seconds.
    /// - Throws: ``EtcdDiscoveryError``; `CancellationError` when the task is cancelled.
    public static func discover(
        domain: String, serviceName: String? = nil, nameServer: EtcdSRVDiscovery.NameServer? = nil,
        timeout: Duration = .seconds(5)
    ) async throws -> EtcdClient.Configuration {
        let discovery = EtcdSRVDiscovery(domain: domain, serviceName: serviceName, nameServer: nameServer, timeout: timeout)
        return EtcdClient.Configuration(endpoints: try await discovery.endpoints(), shuffleEndpoints: false)
    }
}
