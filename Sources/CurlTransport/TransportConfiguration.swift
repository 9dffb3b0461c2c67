/// Settings that apply to every request of one ``CurlTransport``.
package struct TransportConfiguration: Sendable {
    /// TLS material for `https://` endpoints. The files are read by libcurl when it opens a
    /// connection. Verification of the server's certificate and host name is on unless
    /// ``dangerouslySkipCertificateVerification`` is set.
    package struct TLS: Sendable, Hashable {
        /// PEM bundle of the CAs to trust (`CURLOPT_CAINFO`); `nil` uses the system's.
        package var caFile: String?
        /// A directory of PEM CA certificates named by subject hash (`openssl rehash`,
        /// `CURLOPT_CAPATH`), searched in addition to ``caFile``.
        package var caDirectory: String?
        /// PEM client certificate (`CURLOPT_SSLCERT`), for mutual TLS.
        package var certificateFile: String?
        /// PEM private key of ``certificateFile`` (`CURLOPT_SSLKEY`); `nil` reads it from the
        /// certificate file.
        package var keyFile: String?
        /// Turns off verification of the server's certificate chain and host name.
        package var dangerouslySkipCertificateVerification: Bool

        package init(
            caFile: String? = nil,
            caDirectory: String? = nil,
            certificateFile: String? = nil,
            keyFile: String? = nil,
            dangerouslySkipCertificateVerification: Bool = false
        ) {
            self.caFile = caFile
            self.caDirectory = caDirectory
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.dangerouslySkipCertificateVerification = dangerouslySkipCertificateVerification
        }
    }

    /// Time allowed for the TCP connect (and TLS handshake) of a new connection.
    package var connectTimeout: Duration
    /// Responses with a larger body fail with ``TransportError/Kind/responseTooLarge``.
    package var maxResponseBodyBytes: Int
    /// Idle connections libcurl keeps for reuse (`CURLMOPT_MAXCONNECTS`).
    package var maxCachedConnections: Int
    /// TCP keepalive: idle time before the first probe, and the interval between probes.
    package var keepAliveIdle: Duration
    package var keepAliveInterval: Duration
    /// Unanswered probes after which the kernel drops the connection (`TCP_KEEPCNT`).
    package var keepAliveProbes: Int
    /// libcurl's receive buffer per transfer (`CURLOPT_BUFFERSIZE`) for ordinary requests and
    /// for long polls. Long polls sit idle by the thousand, so theirs is small.
    package var receiveBufferBytes: Int
    package var longPollReceiveBufferBytes: Int
    /// Which `GET`s that need nothing of libcurl (plain `http://` to an address, no body, no
    /// credentials, no proxy in the environment: ``DirectRoute``) are served on the event
    /// loop's own sockets instead of a libcurl handle each.
    package var directPath: DirectPathScope
    package var tls: TLS

    package init(
        connectTimeout: Duration = .seconds(2),
        maxResponseBodyBytes: Int = 64 << 20,
        maxCachedConnections: Int = 64,
        keepAliveIdle: Duration = .seconds(30),
        keepAliveInterval: Duration = .seconds(5),
        keepAliveProbes: Int = 3,
        receiveBufferBytes: Int = 16 << 10,
        longPollReceiveBufferBytes: Int = 1 << 10,
        directPath: DirectPathScope = .gets,
        tls: TLS = TLS()
    ) {
        self.connectTimeout = connectTimeout
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.maxCachedConnections = maxCachedConnections
        self.keepAliveIdle = keepAliveIdle
        self.keepAliveInterval = keepAliveInterval
        self.keepAliveProbes = keepAliveProbes
        self.receiveBufferBytes = receiveBufferBytes
        self.longPollReceiveBufferBytes = longPollReceiveBufferBytes
        self.directPath = directPath
        self.tls = tls
    }
}

/// Which requests may take the direct path (``TransportConfiguration/directPath``).
///
/// An idle watch on the direct path costs about 1 KB of transport memory instead of libcurl's
/// 12 KB, and a `GET` less than half of libcurl's instructions (`docs/performance.md`).
package enum DirectPathScope: Sendable, Hashable {
    /// Every request goes through libcurl.
    case off
    /// Only long polls (watches) go direct.
    case longPolls
    /// Every `GET` that needs nothing of libcurl goes direct, long polls among them.
    case gets
}

extension Duration {
    /// Whole nanoseconds, saturating at the bounds of `UInt64` (negative becomes 0).
    package var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let (s, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (total, overflow2) = s.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? .max : total
    }

    /// Milliseconds for libcurl's `_MS` options, rounded up so a timeout never fires early.
    package var millisecondsRoundedUp: Int {
        let nanos = nanosecondsClamped
        let ms = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1)
        return Int(clamping: ms)
    }
}
