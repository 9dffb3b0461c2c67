package import CurlTransport
public import Logging

extension EtcdClient {
    /// Basic-auth credentials, sent on every request and never logged.
    public struct Credentials: Sendable, Hashable {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// TLS material for `https://` endpoints.
    ///
    /// The server's certificate chain and host name are always verified — against ``caFile``
    /// and ``caDirectory`` when set, else against the system's CAs — unless
    /// ``dangerouslySkipCertificateVerification`` is set. With ``certificateFile`` (and
    /// ``keyFile``) the client authenticates itself (mutual TLS, etcd's `--client-cert-auth`).
    ///
    /// The files are PEM and are read when a connection is opened, not when the client is made:
    /// a missing or unreadable file fails each request with ``EtcdTransportError/Kind/tls``
    /// (``EtcdTransportError/TLSFailure/caBundleUnusable`` or
    /// ``EtcdTransportError/TLSFailure/clientCertificateUnusable``), before anything is sent.
    /// A renewed client certificate is used by the next new connection; the CA bundle is cached
    /// by libcurl (for up to a day) per client. See <doc:Security>.
    public struct TLS: Sendable, Hashable {
        /// PEM bundle of the CAs to trust; `nil` uses the system's.
        public var caFile: String?
        /// A directory of PEM CA certificates named by their subject hash (prepared with
        /// `openssl rehash`), searched as well as ``caFile``.
        public var caDirectory: String?
        /// PEM client certificate, for mutual TLS.
        public var certificateFile: String?
        /// PEM private key of ``certificateFile`` (unencrypted); `nil` reads it from
        /// ``certificateFile``.
        public var keyFile: String?
        /// Turns off **all** verification of the server's certificate: any server, presenting
        /// any certificate for any name, is accepted, so anyone on the path can read and change
        /// the traffic, credentials included. For throwaway test clusters only; never in
        /// production. Prefer ``caFile`` with the test CA.
        public var dangerouslySkipCertificateVerification: Bool

        public init(
            caFile: String? = nil, caDirectory: String? = nil, certificateFile: String? = nil,
            keyFile: String? = nil, dangerouslySkipCertificateVerification: Bool = false
        ) {
            self.caFile = caFile
            self.caDirectory = caDirectory
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.dangerouslySkipCertificateVerification = dangerouslySkipCertificateVerification
        }
    }

    /// How an ``EtcdClient`` reaches the cluster.
    public struct Configuration: Sendable {
        /// Client URLs of the members, each `http://host:port` or `https://host:port`.
        public var endpoints: [String]
        /// Time from the start of a request until the response headers must have arrived, on
        /// each endpoint tried; then the next endpoint is tried. Watches are exempt. `nil`
        /// waits forever (the Go client's default, which hangs on a stopped member).
        public var headerTimeoutPerRequest: Duration?
        /// Time allowed for a new connection (TCP and TLS) to an endpoint.
        public var connectTimeout: Duration
        /// Basic-auth credentials for every request.
        public var credentials: Credentials?
        /// TLS material for `https://` endpoints.
        public var tls: TLS
        /// Responses with a larger body fail with ``EtcdTransportError/Kind/responseTooLarge``.
        public var maxResponseBodyBytes: Int
        /// Where requests are logged, at `debug` level (endpoint, method, path, status,
        /// duration; never credentials or values).
        public var logger: Logger
        /// Which endpoint requests go to first; default ``EndpointSelectionMode/random``.
        public var selectionMode: EndpointSelectionMode
        /// Whether the endpoints are shuffled when the client is made and on
        /// ``EtcdClient/setEndpoints(_:)`` (default, spreading clients over the members), or kept
        /// in the order given, the first pinned (e.g. to prefer the member on the same host).
        public var shuffleEndpoints: Bool
        /// How failed endpoints are cooled down and probed.
        public var healthCheck: HealthCheck
        /// Which redirects are followed.
        public var redirectPolicy: RedirectPolicy
        /// The cluster every endpoint must belong to (`X-Etcd-Cluster-Id`, hex). `nil`: learnt
        /// from the first answer. An endpoint answering with another ID is rejected with
        /// ``EtcdClusterMismatchError``.
        public var expectedClusterID: String?
        /// Which `GET`s the transport serves on its own sockets instead of libcurl
        /// (`docs/architecture.md`, "The direct path"); every one that can, by default. Not
        /// public: the benchmark and the tests measure and check both paths with it.
        package var directPath: DirectPathScope = .gets

        /// - Parameters:
        ///   - endpoints: Client URLs of the members.
        ///   - headerTimeoutPerRequest: Header timeout per endpoint tried; default 5 seconds.
        ///   - connectTimeout: Connect timeout per new connection; default 2 seconds.
        ///   - credentials: Basic-auth credentials for every request; default none.
        ///   - tls: TLS material for `https://` endpoints; default: the system's CAs.
        ///   - maxResponseBodyBytes: The largest response body accepted; default 64 MiB.
        ///   - logger: Where requests are logged at `debug`; default label `swift-etcd-v2`.
        ///   - selectionMode: Which endpoint requests go to first; default random.
        ///   - shuffleEndpoints: Whether the endpoints are shuffled; default `true`.
        ///   - healthCheck: Cooldown and probing of failed endpoints; default a probe every 2 s.
        ///   - redirectPolicy: Which redirects are followed; default at most 10.
        ///   - expectedClusterID: The cluster every endpoint must belong to; default: learnt.
        public init(
            endpoints: [String],
            headerTimeoutPerRequest: Duration? = .seconds(5),
            connectTimeout: Duration = .seconds(2),
            credentials: Credentials? = nil,
            tls: TLS = TLS(),
            maxResponseBodyBytes: Int = 64 << 20,
            logger: Logger = Logger(label: "swift-etcd-v2"),
            selectionMode: EndpointSelectionMode = .random,
            shuffleEndpoints: Bool = true,
            healthCheck: HealthCheck = HealthCheck(),
            redirectPolicy: RedirectPolicy = .default,
            expectedClusterID: String? = nil
        ) {
            self.endpoints = endpoints
            self.headerTimeoutPerRequest = headerTimeoutPerRequest
            self.connectTimeout = connectTimeout
            self.credentials = credentials
            self.tls = tls
            self.maxResponseBodyBytes = maxResponseBodyBytes
            self.logger = logger
            self.selectionMode = selectionMode
            self.shuffleEndpoints = shuffleEndpoints
            self.healthCheck = healthCheck
            self.redirectPolicy = redirectPolicy
            self.expectedClusterID = expectedClusterID
        }
    }
}

extension EtcdClient.TLS {
    /// Refuses what libcurl would silently ignore: an empty path, or a key without its
    /// certificate. Whether the files exist is found out per connection (they may be renewed).
    func validate() throws(EtcdConfigurationError) {
        let paths = [("caFile", caFile), ("caDirectory", caDirectory), ("certificateFile", certificateFile), ("keyFile", keyFile)]
        for (name, path) in paths where path?.isEmpty == true {
            throw EtcdConfigurationError(message: "tls.\(name) is an empty path; leave it nil instead")
        }
        if keyFile != nil && certificateFile == nil {
            throw EtcdConfigurationError(message: "tls.keyFile is set without tls.certificateFile: a key alone authenticates nothing")
        }
    }
}
