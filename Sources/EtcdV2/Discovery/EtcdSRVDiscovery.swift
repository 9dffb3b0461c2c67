import CurlTransport

/// Finds an etcd cluster's client endpoints in DNS SRV records, as etcd's own
/// `--discovery-srv` does.
///
/// Two names are looked up at once: `_etcd-client-ssl._tcp.<domain>` (giving `https://`
/// endpoints) and `_etcd-client._tcp.<domain>` (giving `http://` ones); with a
/// ``serviceName`` `x`, `_etcd-client-ssl-x._tcp.<domain>` and `_etcd-client-x._tcp.<domain>`.
/// One of them may be missing. `https` endpoints come first, then `http` ones; each set is in
/// RFC 2782 order: by priority, and within a priority by weighted random selection.
///
/// ```swift
/// let discovery = EtcdSRVDiscovery(domain: "example.com")
/// let endpoints = try await discovery.endpoints()
/// // ["https://infra0.example.com:2379", "https://infra1.example.com:2379", ...]
/// ```
///
/// The lookup uses glibc's resolver (libresolv), asking `/etc/resolv.conf`'s name servers or
/// the one in ``nameServer``. It runs off Swift's cooperative thread pool, ends after
/// ``timeout``, and ends at once when the task is cancelled.
public struct EtcdSRVDiscovery: Sendable, Hashable {
    /// A name server given by IP address, asked instead of `/etc/resolv.conf`'s.
    public struct NameServer: Sendable, Hashable, CustomStringConvertible {
        /// An IPv4 (`10.0.0.2`) or IPv6 (`fd00::53`) address; not a host name.
        public var address: String
        /// The UDP (and TCP, for long answers) port; default 53.
        public var port: UInt16

        public init(address: String, port: UInt16 = 53) {
            self.address = address
            self.port = port
        }

        public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
    }

    /// The domain whose records are looked up, e.g. `example.com` (a trailing dot is allowed).
    public var domain: String
    /// Suffix of the service label (Go's `serviceName`): `x` looks up `_etcd-client-x._tcp`.
    /// `nil` or empty: none.
    public var serviceName: String?
    /// The one name server to ask; `nil` asks the system's (`/etc/resolv.conf`).
    public var nameServer: NameServer?
    /// The longest the lookups take, retries included; then ``EtcdDiscoveryError/Kind/timeout``.
    /// Both names are looked up at once, so a discovery takes at most about this long.
    public var timeout: Duration

    /// - Parameters:
    ///   - domain: The domain whose SRV records name the cluster.
    ///   - serviceName: Optional suffix of the service label; default none.
    ///   - nameServer: The name server to ask; default the system's.
    ///   - timeout: Default 5 seconds.
    public init(domain: String, serviceName: String? = nil, nameServer: NameServer? = nil, timeout: Duration = .seconds(5)) {
        self.domain = domain
        self.serviceName = serviceName
        self.nameServer = nameServer
        self.timeout = timeout
    }

    /// Looks the records up and returns the endpoint URLs in the order to try them.
    ///
    /// Every call draws the weighted order anew. To refresh a running client, pass the result
    /// to ``EtcdClient/setEndpoints(_:)``.
    ///
    /// - Throws: ``EtcdDiscoveryError``; `CancellationError` when the task is cancelled.
    public func endpoints() async throws -> [String] {
        try await endpoints(pick: SRVOrdering.systemPick)
    }

    /// ``endpoints()`` with the random choices of the ordering made by `pick`.
    func endpoints(pick: SRVOrdering.Pick) async throws -> [String] {
        let server = try validatedNameServer()
        let serverName = server?.description ?? "system resolver"
        guard let domain = SRVServiceName.plainName(domain) else {
            throw invalid("\"\(self.domain)\" is not a DNS domain name", nameServer: serverName)
        }
        guard SRVServiceName.isValidServiceName(serviceName) else {
            throw invalid("service name \"\(serviceName ?? "")\" is not a DNS label", nameServer: serverName)
        }
        guard timeout > .zero else { throw invalid("timeout \(timeout) is not positive", nameServer: serverName) }
        let secureName = SRVServiceName.name(secure: true, domain: domain, serviceName: serviceName)
        let plainName = SRVServiceName.name(secure: false, domain: domain, serviceName: serviceName)
        async let secure = Self.lookUp(secureName, nameServer: server, timeout: timeout)
        async let plain = Self.lookUp(plainName, nameServer: server, timeout: timeout)
        let lookups = [
            DiscoveryLookup(name: secureName, scheme: "https", result: try await secure),
            DiscoveryLookup(name: plainName, scheme: "http", result: try await plain),
        ]
        return try DiscoveredEndpoints.endpoints(domain: domain, nameServer: serverName, lookups: lookups, pick: pick)
    }

    /// One SRV lookup; its failure becomes a ``LookupResult/failed(_:detail:)``, cancellation
    /// is rethrown.
    private static func lookUp(_ name: String, nameServer: DNSNameServer?, timeout: Duration) async throws -> LookupResult {
        do {
            let records = try await SRVLookup.records(for: name, nameServer: nameServer, timeout: timeout)
            return .records(
                records.map { DiscoveredRecord(priority: $0.priority, weight: $0.weight, port: $0.port, target: $0.target) })
        } catch let error as DNSLookupError {
            return .failed(outcome(of: error.kind), detail: error.detail)
        }
    }

    static func outcome(of kind: DNSLookupError.Kind) -> EtcdDiscoveryError.Lookup.Outcome {
        switch kind {
        case .noSuchName: .noSuchName
        case .noRecords: .noRecords
        case .timeout: .timeout
        case .unreachable: .unreachable
        case .serverFailure: .serverFailure
        case .malformedAnswer: .malformedAnswer
        case .invalidName, .resolverUnavailable: .resolverFailure
        }
    }

    private func validatedNameServer() throws(EtcdDiscoveryError) -> DNSNameServer? {
        guard let nameServer else { return nil }
        guard let server = DNSNameServer(address: nameServer.address, port: nameServer.port), nameServer.port != 0 else {
            let detail = "name server \"\(nameServer.address)\" port \(nameServer.port) is not an IP address and port"
            throw invalid(detail, nameServer: nameServer.description)
        }
        return server
    }

    private func invalid(_ detail: String, nameServer: String) -> EtcdDiscoveryError {
        EtcdDiscoveryError(kind: .invalidArgument, domain: domain, nameServer: nameServer, lookups: [], detail: detail)
    }
}
