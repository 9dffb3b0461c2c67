import EtcdTestSupport
@testable import EtcdV2
import Testing

/// SRV discovery against a real DNS server (dnsmasq on a loopback port) whose records point at a
/// real etcd cluster. Every discovery names the loopback server: no query leaves the machine.
struct DiscoveryEtcdTests {
    static let domain = "etcd.test"
    static let plainName = "_etcd-client._tcp.\(domain)"
    static let secureName = "_etcd-client-ssl._tcp.\(domain)"

    static func nameServer(_ server: DNSServer) -> EtcdSRVDiscovery.NameServer {
        .init(address: server.address, port: server.port)
    }

    static func port(of url: String) throws -> UInt16 {
        try #require(url.split(separator: ":").last.flatMap { UInt16($0) })
    }

    /// The records name `localhost.`, which resolves through /etc/hosts (to 127.0.0.1 only on
    /// this machine; where it also gives ::1, libcurl's attempt there is refused at once and it
    /// moves on: measured with curl 7.88, 0.5–4 ms for the connect, ::1 first).
    @Test func aClientFromDiscoveryUsesTheClusterInPriorityOrder() async throws {
        try await withEtcdCluster(members: 3) { cluster in
            let ports = try cluster.clientURLs.map(Self.port(of:))
            // Served out of order; priorities 10, 20, 30 put member 0, 1, 2 first.
            let records: [DNSRecord] = [
                .srv(name: Self.plainName, target: "localhost", port: ports[2], priority: 30, weight: 5),
                .srv(name: Self.plainName, target: "localhost", port: ports[0], priority: 10, weight: 5),
                .srv(name: Self.plainName, target: "localhost", port: ports[1], priority: 20, weight: 5),
            ]
            try await withDNSServer(localDomains: [Self.domain], records: records) { server in
                let configuration = try await EtcdClient.Configuration.discover(
                    domain: Self.domain, nameServer: Self.nameServer(server))
                #expect(configuration.endpoints == ports.map { "http://localhost:\($0)" })
                #expect(configuration.shuffleEndpoints == false)
                #expect(server.queryLog().contains("query[SRV] \(Self.plainName) from 127.0.0.1"))
                #expect(server.queryLog().contains("query[SRV] \(Self.secureName) from 127.0.0.1"))

                let client = try EtcdClient(configuration: configuration)
                do {
                    let start = ContinuousClock.now
                    let set = try await client.keys.set("/discovered", value: "yes")
                    let firstRequest = ContinuousClock.now - start
                    #expect(client.pinnedEndpoint == "http://localhost:\(ports[0])")
                    // The write is in the cluster: read it from another member, by IP, once that
                    // member has applied it (a follower's local read may come first: seen in CI).
                    try await Self.waitUntilApplied(index: set.index ?? 0, on: cluster.clientURL(2))
                    let raw = try await LoopbackHTTP.request("GET", cluster.clientURL(2) + "/v2/keys/discovered")
                    #expect(raw.body.contains(#""value":"yes""#))
                    #expect(firstRequest < .seconds(2), "first request over localhost took \(firstRequest)")

                    // The first member goes away: the next in priority order takes over (a
                    // local read, which member 1 answers even during the election that follows,
                    // once it has applied the write).
                    try await Self.waitUntilApplied(index: set.index ?? 0, on: cluster.clientURL(1))
                    try await cluster.kill(0)
                    let read = try await client.keys.get("/discovered")
                    #expect(read.node?.value == "yes")
                    #expect(client.pinnedEndpoint == "http://localhost:\(ports[1])")
                } catch {
                    await client.shutdown()
                    throw error
                }
                await client.shutdown()
            }
        }
    }

    /// Polls `member`'s `X-Etcd-Index` until it reached `index`.
    static func waitUntilApplied(index: UInt64, on member: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let reply = try await LoopbackHTTP.request("GET", member + "/v2/keys/discovered")
            if let applied = reply.headers["x-etcd-index"].flatMap({ UInt64($0) }), applied >= index { return }
            guard ContinuousClock.now < deadline else {
                Issue.record("\(member) did not apply index \(index)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func onlySecureRecordsGiveHTTPSEndpoints() async throws {
        let records: [DNSRecord] = [
            .srv(name: Self.secureName, target: "m1.\(Self.domain)", port: 2379, priority: 0, weight: 0),
            .srv(name: Self.secureName, target: "m2.\(Self.domain)", port: 2379, priority: 1, weight: 0),
        ]
        try await withDNSServer(localDomains: [Self.domain], records: records) { server in
            let endpoints = try await EtcdSRVDiscovery(domain: Self.domain + ".", nameServer: Self.nameServer(server))
                .endpoints()
            #expect(endpoints == ["https://m1.etcd.test:2379", "https://m2.etcd.test:2379"])
        }
    }

    @Test func weightsFromTheServerDriveTheDraw() async throws {
        let records: [DNSRecord] = [
            .srv(name: Self.plainName, target: "light.\(Self.domain)", port: 2379, priority: 5, weight: 10),
            .srv(name: Self.plainName, target: "heavy.\(Self.domain)", port: 2379, priority: 5, weight: 90),
            .srv(name: Self.plainName, target: "backup.\(Self.domain)", port: 2379, priority: 9, weight: 0),
        ]
        try await withDNSServer(localDomains: [Self.domain], records: records) { server in
            var bounds: [Int] = []
            // Draws 11 of 0...100: "heavy" comes first whichever order the server sent the two in.
            let endpoints = try await EtcdSRVDiscovery(domain: Self.domain, nameServer: Self.nameServer(server))
                .endpoints { bound in
                    bounds.append(bound)
                    return 11
                }
            #expect(
                endpoints == [
                    "http://heavy.etcd.test:2379", "http://light.etcd.test:2379", "http://backup.etcd.test:2379",
                ])
            #expect(bounds == [100])
        }
    }

    @Test func aServiceNameSelectsItsOwnRecords() async throws {
        let records: [DNSRecord] = [
            .srv(name: Self.plainName, target: "default.\(Self.domain)", port: 2379),
            .srv(name: "_etcd-client-blue._tcp.\(Self.domain)", target: "blue.\(Self.domain)", port: 2379),
            .srv(name: "_etcd-client-ssl-blue._tcp.\(Self.domain)", target: "blue.\(Self.domain)", port: 2380),
        ]
        try await withDNSServer(localDomains: [Self.domain], records: records) { server in
            let endpoints = try await EtcdSRVDiscovery(
                domain: Self.domain, serviceName: "blue", nameServer: Self.nameServer(server)
            ).endpoints()
            #expect(endpoints == ["https://blue.etcd.test:2380", "http://blue.etcd.test:2379"])
        }
    }

    @Test func aDomainWithoutRecordsIsATypedError() async throws {
        try await withDNSServer(localDomains: [Self.domain], records: []) { server in
            let error = await discoveryError {
                try await EtcdSRVDiscovery(domain: "empty." + Self.domain, nameServer: Self.nameServer(server)).endpoints()
            }
            #expect(error?.kind == .noRecords)
            #expect(error?.domain == "empty.etcd.test")
            #expect(error?.nameServer == "127.0.0.1:\(server.port)")
            #expect(error?.lookups.map(\.name) == ["_etcd-client-ssl._tcp.empty.etcd.test", "_etcd-client._tcp.empty.etcd.test"])
            #expect(error?.lookups.map(\.outcome) == [.noSuchName, .noSuchName])
        }
    }

    @Test func aRefusingNameServerIsALookupFailure() async throws {
        try await withDNSServer(localDomains: [Self.domain], records: []) { server in
            let error = await discoveryError {
                try await EtcdSRVDiscovery(domain: "elsewhere.invalid", nameServer: Self.nameServer(server)).endpoints()
            }
            #expect(error?.kind == .lookupFailed)
            #expect(error?.lookups.map(\.outcome) == [.serverFailure, .serverFailure])
        }
    }

    @Test func aNameServerThatDoesNotAnswerTimesOutQuickly() async throws {
        let silent = try SilentNameServer()
        let timeout = Duration.milliseconds(300)
        let start = ContinuousClock.now
        let error = await discoveryError {
            try await EtcdClient.Configuration.discover(
                domain: Self.domain, nameServer: .init(address: silent.address, port: silent.port), timeout: timeout)
        }
        let elapsed = ContinuousClock.now - start
        #expect(error?.kind == .timeout)
        #expect(error?.lookups.map(\.outcome) == [.timeout, .timeout])
        #expect(elapsed >= timeout)
        #expect(elapsed < timeout + .seconds(3))
    }

    @Test(arguments: [
        ("", nil as String?, "127.0.0.1", Duration.seconds(1)),
        ("a..b", nil, "127.0.0.1", .seconds(1)),
        ("etcd.test", "has_underscore", "127.0.0.1", .seconds(1)),
        ("etcd.test", nil, "localhost", .seconds(1)),
        ("etcd.test", nil, "127.0.0.1", .zero),
    ])
    func invalidArgumentsAreRefusedBeforeAnyQuery(
        domain: String, serviceName: String?, address: String, timeout: Duration
    ) async throws {
        let error = await discoveryError {
            try await EtcdSRVDiscovery(
                domain: domain, serviceName: serviceName, nameServer: .init(address: address, port: 9), timeout: timeout
            ).endpoints()
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.lookups.isEmpty == true)
    }

    @Test func cancellationEndsDiscoveryAtOnce() async throws {
        let silent = try SilentNameServer()
        let nameServer = EtcdSRVDiscovery.NameServer(address: silent.address, port: silent.port)
        let discovery = Task {
            try await EtcdSRVDiscovery(domain: Self.domain, nameServer: nameServer, timeout: .seconds(5)).endpoints()
        }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        discovery.cancel()
        let result = await discovery.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - start < .seconds(3))
    }
}

/// The `EtcdDiscoveryError` that `body` throws, or an issue if it throws something else or nothing.
func discoveryError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> EtcdDiscoveryError? {
    await typedError(EtcdDiscoveryError.self, sourceLocation: sourceLocation, body)
}
