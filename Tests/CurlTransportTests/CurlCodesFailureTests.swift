import CCurl
@testable import CurlTransport
import Testing

/// ``CurlCodes/classify(_:)`` on the evidence libcurl 7.88 + OpenSSL 3 leave for each TLS
/// failure (messages as captured against etcd 3.4, whose Go TLS stack sends bad_certificate
/// both for a missing and for a refused client certificate).
struct CurlCodesFailureTests {
    /// A TLS failure's evidence; by default the first attempt on a new connection, nothing sent.
    static func failure(
        _ code: CURLcode, _ message: String, verifyResult: Int = 1, clientCertificate: Bool = false,
        attempts: Int = 0, requestBytes: Int = 0, responseBytes: Bool = false, newConnections: Int = 1,
        isTLS: Bool = true
    ) -> FailedTransfer {
        FailedTransfer(
            code: code, message: message, isTLS: isTLS, sentClientCertificate: clientCertificate,
            verifyResult: verifyResult, requestAttempts: attempts, requestBytesSent: requestBytes,
            receivedResponseBytes: responseBytes, newConnections: newConnections)
    }

    static let badCertificateAtRead =
        "OpenSSL SSL_read: OpenSSL/3.0.19: error:0A000412:SSL routines::sslv3 alert bad certificate, errno 0"
    static let badCertificateInHandshake = "OpenSSL/3.0.19: error:0A000412:SSL routines::sslv3 alert bad certificate"

    static let cases: [(FailedTransfer, CurlCodes.Classification)] = [
        // The server's certificate: OpenSSL's verify result, or libcurl's own host-name check.
        (failure(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem: unable to get local issuer certificate", verifyResult: 20),
         .init(kind: .tls, tlsFailure: .serverCertificateUntrusted, delivery: .notSent)),
        (failure(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem: certificate has expired", verifyResult: 10),
         .init(kind: .tls, tlsFailure: .serverCertificateUntrusted, delivery: .notSent)),
        (failure(CURLE_PEER_FAILED_VERIFICATION, "SSL: no alternative certificate subject name matches target host name '127.0.0.1'"),
         .init(kind: .tls, tlsFailure: .serverNameMismatch, delivery: .notSent)),
        (failure(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem: Hostname mismatch", verifyResult: 62),
         .init(kind: .tls, tlsFailure: .serverNameMismatch, delivery: .notSent)),
        (failure(CURLE_PEER_FAILED_VERIFICATION, "SSL: couldn't get peer certificate"),
         .init(kind: .tls, tlsFailure: .handshakeFailed, delivery: .notSent)),
        // Local files.
        (failure(CURLE_SSL_CACERT_BADFILE, "error setting certificate file: /nope.pem"),
         .init(kind: .tls, tlsFailure: .caBundleUnusable, delivery: .notSent)),
        (failure(CURLE_SSL_CERTPROBLEM, "unable to set private key file: '/k.key' type PEM", clientCertificate: true),
         .init(kind: .tls, tlsFailure: .clientCertificateUnusable, delivery: .notSent)),
        // TLS 1.2: the refusal arrives inside the handshake, before PREREQFUNCTION.
        (failure(CURLE_SSL_CONNECT_ERROR, badCertificateInHandshake),
         .init(kind: .tls, tlsFailure: .clientCertificateRequired, delivery: .notSent)),
        (failure(CURLE_SSL_CONNECT_ERROR, badCertificateInHandshake, clientCertificate: true),
         .init(kind: .tls, tlsFailure: .clientCertificateRejected, delivery: .notSent)),
        (failure(CURLE_SSL_CONNECT_ERROR, "OpenSSL/3.0.19: error:0A000418:SSL routines::tlsv1 alert unknown ca", clientCertificate: true),
         .init(kind: .tls, tlsFailure: .clientCertificateRejected, delivery: .notSent)),
        (failure(CURLE_SSL_CONNECT_ERROR, "OpenSSL/3.0.19: error:0A000410:SSL routines::sslv3 alert handshake failure"),
         .init(kind: .tls, tlsFailure: .handshakeFailed, delivery: .notSent)),
        (failure(CURLE_SSL_CONNECT_ERROR, "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:2379"),
         .init(kind: .tls, tlsFailure: .handshakeFailed, delivery: .notSent)),
        // OpenSSL 1.1 packs the code differently: 14094412 is the same alert 42.
        (failure(CURLE_SSL_CONNECT_ERROR, "error:14094412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate", clientCertificate: true),
         .init(kind: .tls, tlsFailure: .clientCertificateRejected, delivery: .notSent)),
        // TLS 1.3: the request went out, the refusal arrives at the first read; the server
        // cannot have read the request.
        (failure(CURLE_RECV_ERROR, badCertificateAtRead, attempts: 1, requestBytes: 165),
         .init(kind: .tls, tlsFailure: .clientCertificateRequired, delivery: .notSent)),
        (failure(CURLE_RECV_ERROR, badCertificateAtRead, clientCertificate: true, attempts: 1, requestBytes: 165),
         .init(kind: .tls, tlsFailure: .clientCertificateRejected, delivery: .notSent)),
        (failure(CURLE_RECV_ERROR, "OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0",
                 clientCertificate: true, attempts: 1, requestBytes: 165),
         .init(kind: .tls, tlsFailure: .clientCertificateRequired, delivery: .notSent)),
        // …but not on a reused connection, after a re-send, or once the response had begun.
        (failure(CURLE_RECV_ERROR, badCertificateAtRead, attempts: 1, requestBytes: 165, newConnections: 0),
         .init(kind: .tls, tlsFailure: .clientCertificateRequired, delivery: .possiblySent)),
        (failure(CURLE_RECV_ERROR, badCertificateAtRead, attempts: 2, requestBytes: 165),
         .init(kind: .tls, tlsFailure: .clientCertificateRequired, delivery: .possiblySent)),
        (failure(CURLE_RECV_ERROR, badCertificateAtRead, attempts: 1, requestBytes: 165, responseBytes: true),
         .init(kind: .tls, tlsFailure: .clientCertificateRequired, delivery: .possiblySent)),
        // Another alert at read (a record-layer error) says nothing about the handshake.
        (failure(CURLE_RECV_ERROR, "OpenSSL SSL_read: error:0A0003FC:SSL routines::sslv3 alert bad record mac, errno 0",
                 attempts: 1, requestBytes: 165),
         .init(kind: .connectionClosed, tlsFailure: nil, delivery: .possiblySent)),
        // TLS 1.3's other outcome of the race: the reset beat the request. Nothing was handed
        // to the connection, so nothing was sent (the driver then retries over TLS 1.2).
        (failure(CURLE_SEND_ERROR, "getpeername() failed with errno 107: Transport endpoint is not connected", attempts: 1),
         .init(kind: .connectionClosed, tlsFailure: nil, delivery: .notSent)),
        // Plain http: the same byte counts decide.
        (failure(CURLE_SEND_ERROR, "Send failure: Broken pipe", attempts: 1, isTLS: false),
         .init(kind: .connectionClosed, tlsFailure: nil, delivery: .notSent)),
        (failure(CURLE_GOT_NOTHING, "Empty reply from server", attempts: 1, requestBytes: 90, isTLS: false),
         .init(kind: .connectionClosed, tlsFailure: nil, delivery: .possiblySent)),
        (failure(CURLE_COULDNT_CONNECT, "Failed to connect to 127.0.0.1 port 1", isTLS: false),
         .init(kind: .couldNotConnect, tlsFailure: nil, delivery: .notSent)),
    ]

    @Test(arguments: cases)
    func classifiesEachFailure(failure: FailedTransfer, expected: CurlCodes.Classification) {
        #expect(CurlCodes.classify(failure) == expected, "\(failure.message)")
    }

    @Test func theSchemeDecidesTLSCaseInsensitively() {
        func isTLS(_ endpoint: String) -> Bool {
            TransportRequest(method: .get, endpoint: endpoint, pathAndQuery: "/").isTLS
        }
        #expect(isTLS("https://127.0.0.1:2379"))
        #expect(isTLS("HTTPS://h"))
        #expect(isTLS("hTtPs://h"))
        #expect(!isTLS("http://h:443"))
        #expect(!isTLS("https://"))
        #expect(!isTLS("httpsx://h"))
    }

    @Test func readsTheAlertFromPackedOpenSSLCodes() {
        #expect(CurlCodes.receivedAlert(in: Self.badCertificateAtRead) == 42)
        #expect(CurlCodes.receivedAlert(in: "x error:0A00045C:SSL routines::tlsv13 alert certificate required") == 116)
        #expect(CurlCodes.receivedAlert(in: "error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca") == 48)
        // Not alerts: a system error, an SSL reason below the alert range, no code at all.
        #expect(CurlCodes.receivedAlert(in: "OpenSSL error error:80000002:system library::No such file or directory") == nil)
        #expect(CurlCodes.receivedAlert(in: "error:0A000086:SSL routines::certificate verify failed") == nil)
        #expect(CurlCodes.receivedAlert(in: "error:zz:") == nil)
        #expect(CurlCodes.receivedAlert(in: "Send failure: Connection reset by peer") == nil)
    }

    @Test func onlyACloseBeforeTheRequestOnANewTLSConnectionIsRetriedOverTLS12() {
        let reset = "Send failure: Connection reset by peer"
        #expect(CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_SEND_ERROR, reset, attempts: 1)))
        #expect(CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_GOT_NOTHING, "Empty reply", attempts: 1)))
        // Something was sent, a response began, a reused connection, a re-send, plain http,
        // an alert that already explains it, or no connection at all: no retry.
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_SEND_ERROR, reset, attempts: 1, requestBytes: 1)))
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_RECV_ERROR, reset, attempts: 1, responseBytes: true)))
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_SEND_ERROR, reset, attempts: 1, newConnections: 0)))
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_SEND_ERROR, reset, attempts: 2)))
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_SEND_ERROR, reset, attempts: 1, isTLS: false)))
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_RECV_ERROR, Self.badCertificateAtRead, attempts: 1)))
        #expect(!CurlCodes.isUnexplainedCloseAfterTLSHandshake(Self.failure(CURLE_SSL_CONNECT_ERROR, reset)))
        // The retry's verdict counts only when it names the client certificate.
        #expect(CurlCodes.retryExplains(.init(kind: .tls, tlsFailure: .clientCertificateRejected, delivery: .notSent)))
        #expect(!CurlCodes.retryExplains(.init(kind: .tls, tlsFailure: .handshakeFailed, delivery: .notSent)))
        #expect(!CurlCodes.retryExplains(.init(kind: .connectionClosed, tlsFailure: nil, delivery: .notSent)))
    }
}
