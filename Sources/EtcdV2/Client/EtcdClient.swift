import CurlTransport
import Foundation
import Synchronization

/// A client of an etcd cluster's v2 API.
///
/// ```swift
/// let client = try EtcdClient(configuration: .init(endpoints: ["http://127.0.0.1:2379"],
///                                                  headerTimeoutPerRequest: .seconds(1)))
/// let r = try await client.keys.set("/foo", value: "bar")
/// let g = try await client.keys.get("/foo")
/// print(g.node?.value ?? "-", r.index ?? 0)
/// await client.shutdown()
/// ```
///
/// One client holds one libcurl-multi transport: every request and watch of the client shares
/// its connections, its event loop and its timers. Make one per cluster and share it.
public final class EtcdClient: Sendable {
    /// The configuration the client was made with (endpoints validated).
    public let configuration: Configuration
    let requester: ClusterRequester
    let leaderLocator = LeaderLocator()
    private let transport: CurlTransport
    private let monitor: Task<Void, Never>
    private let shutDown = Atomic(false)

    /// Makes a client; no request is sent yet.
    ///
    /// - Throws: ``EtcdConfigurationError`` when there is no endpoint, an endpoint is not
    ///   `http(s)://host[:port]`, or the ``TLS`` settings cannot work (an empty path, a key
    ///   without its certificate); ``EtcdTransportError`` if libcurl cannot be initialised.
    public init(configuration: Configuration) throws {
        var configuration = configuration
        configuration.endpoints = try Self.validatedEndpoints(configuration.endpoints)
        try configuration.tls.validate()
        self.configuration = configuration
        let transportConfiguration = TransportConfiguration(
            connectTimeout: configuration.connectTimeout,
            maxResponseBodyBytes: configuration.maxResponseBodyBytes,
            directPath: configuration.directPath,
            tls: TransportConfiguration.TLS(
                caFile: configuration.tls.caFile,
                caDirectory: configuration.tls.caDirectory,
                certificateFile: configuration.tls.certificateFile,
                keyFile: configuration.tls.keyFile,
                dangerouslySkipCertificateVerification: configuration.tls.dangerouslySkipCertificateVerification
            )
        )
        do {
            transport = try CurlTransport(configuration: transportConfiguration, logger: configuration.logger)
        } catch {
            throw EtcdTransportError(error)
        }
        let state = ClusterState(
            endpoints: configuration.ordered(configuration.endpoints),
            healthCheck: configuration.healthCheck, clusterID: configuration.expectedClusterID)
        let prioritizeLeader = configuration.selectionMode == .prioritizeLeader
        requester = ClusterRequester(
            transport: transport, state: state, configuration: configuration,
            leaderLocator: prioritizeLeader ? leaderLocator : nil)
        monitor = Task { [transport, configuration] in
            await HealthMonitor.run(state: state, transport: transport, configuration: configuration)
        }
        if prioritizeLeader { leaderLocator.refresh(using: requester) }
    }

    deinit {
        monitor.cancel()
        leaderLocator.cancel()
    }

    /// Whether ``shutdown()`` was called.
    var isShutDown: Bool { shutDown.load(ordering: .relaxed) }

    /// The client's I/O thread, as a `TaskExecutor`.
    ///
    /// Every request of the client is driven by one event-loop thread. By default a call hands
    /// its request to that thread and is resumed on the cooperative pool when the answer is in:
    /// two thread hand-offs per request, which add half as much CPU again as the rest of a `get`
    /// costs the client, or more. Code that makes many calls in a row can run on the I/O thread itself
    /// instead, and then crosses no thread at all:
    ///
    /// ```swift
    /// try await withTaskExecutorPreference(client.executor) {
    ///     for key in keys { _ = try await client.keys.get(key) }
    /// }
    /// ```
    ///
    /// The same works for child tasks (`group.addTask(executorPreference: client.executor)`).
    /// Code run this way shares one thread with every transfer of the client, so it must not
    /// block nor compute for long: that would delay every request, watch and timeout of the
    /// client. Actor-isolated code still runs on its actor. See "Performance" in the README.
    public var executor: any TaskExecutor { transport.executor }

    /// The keys API at the root of the key space.
    public var keys: KeysAPI { KeysAPI(requester: requester, prefix: EtcdKeyPath.defaultPrefix) }

    /// The keys API with every key under `prefix` (Go's `NewKeysAPIWithPrefix`).
    ///
    /// - Throws: ``EtcdKeyError`` if `prefix` is not a valid key.
    public func keys(prefix: String) throws -> KeysAPI {
        // Validated here, escaped (once) with each key.
        let segments = try EtcdKeyPath.segments(of: prefix, role: .prefix)
        return KeysAPI(requester: requester, prefix: ([EtcdKeyPath.defaultPrefix] + segments.map(String.init)).joined(separator: "/"))
    }

    /// The versions of the server and the cluster, from `/version`.
    public func version() async throws -> EtcdVersion {
        let answer = try await requester.send(.get, "/version", isIdempotent: true)
        let (response, endpoint) = (answer.response, answer.endpoint)
        guard response.status == 200,
            let version = try? JSONDecoder().decode(EtcdVersion.self, from: Data(response.body))
        else {
            throw EtcdResponseError(
                kind: response.status == 200 ? .invalidBody : .unexpectedStatus(response.status),
                endpoint: endpoint, status: response.status, detail: "no etcd version in the response",
                body: response.body)
        }
        return version
    }

    /// Ends every request and watch in flight and releases the connections.
    public func shutdown() async {
        shutDown.store(true, ordering: .relaxed)
        monitor.cancel()
        leaderLocator.cancel()
        await transport.shutdown()
    }
}

/// What `/version` answers.
public struct EtcdVersion: Sendable, Hashable, Codable {
    /// The member's etcd version, e.g. `3.4.23`.
    public var server: String
    /// The cluster's version, e.g. `3.4.0`.
    public var cluster: String

    enum CodingKeys: String, CodingKey {
        case server = "etcdserver"
        case cluster = "etcdcluster"
    }
}
