internal import CCurl

/// What libcurl reported about a failed transfer, gathered by the driver when the transfer ends
/// (before its handle is removed), so that ``CurlCodes/classify(_:)`` can stay pure.
struct FailedTransfer: Equatable {
    var code: CURLcode
    /// libcurl's error buffer (its first `failf` of the transfer), or its generic text.
    var message: String
    /// Whether the endpoint is `https://`.
    var isTLS: Bool
    /// Whether a client certificate was configured (so the server saw one).
    var sentClientCertificate: Bool
    /// `CURLINFO_SSL_VERIFYRESULT`: OpenSSL's verdict on the server's chain (`X509_V_OK` = 0;
    /// libcurl 7.88 leaves it at 1 when it never got that far, e.g. after a host-name mismatch).
    var verifyResult: Int
    /// Calls of `CURLOPT_PREREQFUNCTION`.
    var requestAttempts: Int
    /// `CURLINFO_REQUEST_SIZE`: request bytes libcurl handed to the connection.
    var requestBytesSent: Int
    /// Whether any byte of a response (a header line) arrived.
    var receivedResponseBytes: Bool
    /// `CURLINFO_NUM_CONNECTS`: new connections the transfer opened.
    var newConnections: Int
}

extension CurlCodes {
    /// A failed transfer's kind, TLS reason and delivery.
    struct Classification: Equatable {
        var kind: TransportError.Kind
        var tlsFailure: TransportError.TLSFailure?
        var delivery: TransportError.Delivery
    }

    /// Decides what a failed transfer means.
    ///
    /// The kind comes from the code (``kind(of:)``), refined for TLS by OpenSSL's evidence: the
    /// chain's verify result, and the TLS alert the server sent, decoded from the packed OpenSSL
    /// error code in libcurl's message (`error:0A000412:…` is alert 42, bad_certificate).
    ///
    /// TLS 1.3 makes one case look like a broken connection: the client considers the handshake
    /// done before the server has checked the client's certificate, libcurl sends the request,
    /// and the server's refusal (a certificate alert) surfaces at the first read, as
    /// `CURLE_RECV_ERROR`. A certificate alert is only ever sent while the server processes the
    /// handshake, and the client's certificate precedes the request on the wire, so such a
    /// server cannot have read the request: the failure is ``TransportError/Kind/tls`` and
    /// ``TransportError/Delivery/notSent``.
    static func classify(_ failure: FailedTransfer) -> Classification {
        let alert = failure.isTLS ? receivedAlert(in: failure.message) : nil
        let refusedHandshake = alert.map { isCertificateAlert($0) || $0 == 40 } ?? false
        let delivery = delivery(of: failure, refusedHandshake: refusedHandshake)
        switch failure.code {
        case CURLE_PEER_FAILED_VERIFICATION:
            return Classification(kind: .tls, tlsFailure: serverCertificateFailure(failure), delivery: delivery)
        case CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE:
            return Classification(kind: .tls, tlsFailure: .caBundleUnusable, delivery: delivery)
        case CURLE_SSL_CERTPROBLEM:
            return Classification(kind: .tls, tlsFailure: .clientCertificateUnusable, delivery: delivery)
        default:
            break
        }
        if let alert, refusedHandshake {
            let reason: TransportError.TLSFailure =
                !isCertificateAlert(alert) ? .handshakeFailed
                : !failure.sentClientCertificate || alert == 116 ? .clientCertificateRequired
                : .clientCertificateRejected
            return Classification(kind: .tls, tlsFailure: reason, delivery: delivery)
        }
        let kind = kind(of: failure.code)
        return Classification(kind: kind, tlsFailure: kind == .tls ? .handshakeFailed : nil, delivery: delivery)
    }

    /// Whether the request can have been processed by the server.
    ///
    /// Not when ``transferPrereqCallback`` never ran (no connection), nor when it ran once on a
    /// new connection and nothing came back and either no request byte was handed to the
    /// connection or the server refused the TLS handshake. Everything else may have been.
    static func delivery(of failure: FailedTransfer, refusedHandshake: Bool) -> TransportError.Delivery {
        if failure.requestAttempts == 0 { return .notSent }
        let firstAttemptOnNewConnection = failure.requestAttempts == 1 && failure.newConnections > 0
        if firstAttemptOnNewConnection && !failure.receivedResponseBytes
            && (failure.requestBytesSent == 0 || refusedHandshake)
        {
            return .notSent
        }
        return .possiblySent
    }

    /// Whether a failure is TLS 1.3's race between the server's refusal and the request: the
    /// server closed a new TLS connection right after the handshake, before libcurl had handed
    /// it a byte of the request, and libcurl failed on the send (or read nothing) without
    /// seeing an alert. Nothing was sent, so the transport tries once more over TLS 1.2, where
    /// the server's verdict on the client certificate arrives inside the handshake.
    static func isUnexplainedCloseAfterTLSHandshake(_ failure: FailedTransfer) -> Bool {
        guard failure.isTLS, failure.requestAttempts == 1, failure.newConnections > 0,
            failure.requestBytesSent == 0, !failure.receivedResponseBytes,
            receivedAlert(in: failure.message) == nil
        else { return false }
        switch failure.code {
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING: return true
        default: return false
        }
    }

    /// Whether the TLS 1.2 retry of ``isUnexplainedCloseAfterTLSHandshake(_:)`` explained the
    /// first failure: the server refused the client certificate. Anything else (a server that
    /// does not speak TLS 1.2, another close) leaves the first failure as the answer.
    static func retryExplains(_ retry: Classification) -> Bool {
        retry.tlsFailure == .clientCertificateRequired || retry.tlsFailure == .clientCertificateRejected
    }

    // MARK: Evidence

    /// The server's chain was refused by OpenSSL (a verify result), or libcurl's own host-name
    /// check failed (verify result still `X509_V_OK` or unset, and libcurl's message names the
    /// target host name).
    private static func serverCertificateFailure(_ failure: FailedTransfer) -> TransportError.TLSFailure {
        switch failure.verifyResult {
        case 62, 64:  // X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
            return .serverNameMismatch
        case 0, 1:
            return failure.message.contains("target host name") ? .serverNameMismatch : .handshakeFailed
        default:
            return .serverCertificateUntrusted
        }
    }

    /// The TLS alert (RFC 8446 §6) the peer sent, from the first packed OpenSSL error code in
    /// `message` whose library is SSL and whose reason is `SSL_AD_REASON_OFFSET` (1000) plus an
    /// alert description. OpenSSL 3 packs the library in bits 23–30 and the reason in bits 0–22;
    /// OpenSSL 1.1 the library in bits 24–31 and the reason in bits 0–11.
    static func receivedAlert(in message: String) -> Int? {
        var rest = Substring(message)
        while let range = rest.firstRange(of: "error:") {
            rest = rest[range.upperBound...]
            let hex = rest.prefix(while: \.isHexDigit)
            guard hex.count == 8, rest.dropFirst(8).first == ":", let packed = UInt32(hex, radix: 16) else { continue }
            let sslLibrary: UInt32 = 20  // ERR_LIB_SSL
            let reason: UInt32
            if (packed >> 23) & 0xFF == sslLibrary {
                reason = packed & 0x7F_FFFF
            } else if (packed >> 24) & 0xFF == sslLibrary {
                reason = packed & 0xFFF
            } else {
                continue
            }
            if (1000..<1256).contains(reason) { return Int(reason) - 1000 }
        }
        return nil
    }

    /// Alerts a server sends when it refuses the client's certificate (or its absence):
    /// bad_certificate (42),
    /// unsupported_certificate (43), certificate_revoked (44), certificate_expired (45),
    /// certificate_unknown (46), unknown_ca (48), access_denied (49), certificate_required (116).
    /// A client verifies the server's chain itself, so a client only receives these about its own.
    /// With handshake_failure (40, also OpenSSL's TLS 1.2 answer to a missing certificate, but
    /// equally a cipher mismatch) they are the alerts of a refused handshake.
    private static func isCertificateAlert(_ alert: Int) -> Bool {
        (42...46).contains(alert) || alert == 48 || alert == 49 || alert == 116
    }
}
