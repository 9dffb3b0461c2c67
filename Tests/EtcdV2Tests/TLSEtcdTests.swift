import EtcdTestSupport
import Foundation
@testable import EtcdV2
import Testing

/// `https://` endpoints against a real etcd serving TLS (`--cert-file/--key-file`) and mutual
/// TLS (`--client-cert-auth --trusted-ca-file`), with throwaway certificates: the client works
/// with the right CA and client certificate, and every misconfiguration is a typed TLS error
/// that says the request was not sent.
struct TLSEtcdTests {
    @Test func theRightCAConnectsByFileAndByDirectory() async throws {
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.server)) { cluster in
                #expect(cluster.clientURL(0).hasPrefix("https://127.0.0.1:"))
                try await expectWorks(cluster.clientURLs, tls: .init(caFile: certificates.caFile))
                try await expectWorks(cluster.clientURLs, tls: .init(caDirectory: certificates.caDirectory))
                // The certificate names localhost too: host-name verification is by name.
                let localhost = cluster.clientURL(0).replacingOccurrences(of: "127.0.0.1", with: "localhost")
                try await expectWorks([localhost], tls: .init(caFile: certificates.caFile))
                // The scheme is case-insensitive, and so is the choice of TLS settings.
                let shouting = cluster.clientURL(0).replacingOccurrences(of: "https://", with: "HTTPS://")
                try await expectWorks([shouting], tls: .init(caFile: certificates.caFile))
            }
        }
    }

    @Test func mutualTLSWithTheRightClientCertificateWorks() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                try await expectWorks(cluster.clientURLs, tls: Self.mutual(certificates, certificates.client))
            }
        }
    }

    @Test func anUnknownCAIsATypedTLSError() async throws {
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.server)) { cluster in
                try await expectTLSFailure(.serverCertificateUntrusted, cluster.clientURLs, tls: .init(caFile: certificates.otherCAFile))
                // The system's CAs do not know the test CA either.
                try await expectTLSFailure(.serverCertificateUntrusted, cluster.clientURLs, tls: .init())
            }
        }
    }

    @Test func aCertificateForAnotherHostNameIsATypedTLSError() async throws {
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.wrongHostServer)) { cluster in
                try await expectTLSFailure(.serverNameMismatch, cluster.clientURLs, tls: .init(caFile: certificates.caFile))
            }
        }
    }

    /// Over TLS 1.3 the server refuses the missing certificate after the client considers the
    /// handshake done, racing the request; repeated requests and writes (each on a new
    /// connection, since a failed one is closed) must all come out the same.
    @Test func aMissingClientCertificateIsATypedTLSErrorEveryTime() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                try await expectTLSFailure(
                    .clientCertificateRequired, cluster.clientURLs, tls: .init(caFile: certificates.caFile), repetitions: 8)
            }
        }
    }

    @Test func aClientCertificateFromAnotherCAIsRejectedEveryTime() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                try await expectTLSFailure(
                    .clientCertificateRejected, cluster.clientURLs, tls: Self.mutual(certificates, certificates.otherClient),
                    repetitions: 8)
            }
        }
    }

    @Test func unusableTLSFilesAreTypedTLSErrors() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                let missing = certificates.directory + "/missing.pem"
                try await expectTLSFailure(.caBundleUnusable, cluster.clientURLs, tls: .init(caFile: missing))
                // Not PEM at all: a key is no CA bundle.
                try await expectTLSFailure(.caBundleUnusable, cluster.clientURLs, tls: .init(caFile: certificates.client.keyFile))
                var noCertificate = Self.mutual(certificates, certificates.client)
                noCertificate.certificateFile = missing
                try await expectTLSFailure(.clientCertificateUnusable, cluster.clientURLs, tls: noCertificate)
                var noKey = Self.mutual(certificates, certificates.client)
                noKey.keyFile = missing
                try await expectTLSFailure(.clientCertificateUnusable, cluster.clientURLs, tls: noKey)
                var wrongKey = Self.mutual(certificates, certificates.client)
                wrongKey.keyFile = certificates.otherClient.keyFile
                try await expectTLSFailure(.clientCertificateUnusable, cluster.clientURLs, tls: wrongKey)
            }
        }
    }

    @Test func skippingVerificationConnectsToAnUntrustedServer() async throws {
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.wrongHostServer)) { cluster in
                // An unknown CA and the wrong name: only the explicitly dangerous option connects.
                let tls = EtcdClient.TLS(caFile: certificates.otherCAFile, dangerouslySkipCertificateVerification: true)
                try await expectWorks(cluster.clientURLs, tls: tls)
                try await expectWorks(cluster.clientURLs, tls: .init(dangerouslySkipCertificateVerification: true))
            }
        }
    }

    @Test func plainHTTPToATLSPortIsAHandshakeFailureNotSent() async throws {
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.server)) { cluster in
                // https to the harness's plain-http port: the peer does not speak TLS.
                let plain = cluster.plainClientURL(0).replacingOccurrences(of: "http://", with: "https://")
                try await expectTLSFailure(.handshakeFailed, [plain], tls: .init(caFile: certificates.caFile))
            }
        }
    }

    /// The opposite mistake cannot be told from a crash: etcd's TLS port closes a plain-http
    /// request without an answer, after the request left.
    @Test func plainHTTPToATLSPortIsAClosedConnection() async throws {
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.server)) { cluster in
                let http = cluster.clientURL(0).replacingOccurrences(of: "https://", with: "http://")
                let client = try EtcdClient(configuration: .init(endpoints: [http]))
                do {
                    _ = try await client.keys.get("/x")
                    Issue.record("expected a closed connection")
                } catch let error as EtcdClusterError {
                    let failure = error.failures.first?.error as? EtcdTransportError
                    #expect(failure?.kind == .connectionClosed, "\(error)")
                    #expect(failure?.tlsFailure == nil)
                    #expect(failure?.delivery == .possiblySent)
                }
                await client.shutdown()
            }
        }
    }

    // MARK: Helpers

    static func mutual(_ certificates: TestCertificates, _ pair: CertificatePair) -> EtcdClient.TLS {
        EtcdClient.TLS(caFile: certificates.caFile, certificateFile: pair.certificateFile, keyFile: pair.keyFile)
    }
}

/// A write, a read and a quorum read through a fresh client with `tls`.
func expectWorks(
    _ endpoints: [String], tls: EtcdClient.TLS, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let client = try EtcdClient(configuration: .init(endpoints: endpoints, tls: tls))
    do {
        let set = try await client.keys.set("/tls/key", value: "over TLS")
        #expect(set.node?.value == "over TLS", sourceLocation: sourceLocation)
        let get = try await client.keys.get("/tls/key", options: .init(quorum: true))
        #expect(get.node?.value == "over TLS", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected the client to work, got \(error)", sourceLocation: sourceLocation)
    }
    await client.shutdown()
}

/// Reads and writes through fresh clients with `tls` each fail with `reason`, not sent: a
/// write that cannot have reached the server is an ``EtcdClusterError``, never an
/// outcome-unknown error.
func expectTLSFailure(
    _ reason: EtcdTransportError.TLSFailure, _ endpoints: [String], tls: EtcdClient.TLS, repetitions: Int = 1,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    for round in 0..<repetitions {
        let client = try EtcdClient(configuration: .init(endpoints: endpoints, tls: tls))
        for isWrite in [false, true] {
            do {
                if isWrite {
                    _ = try await client.keys.set("/tls/refused", value: "\(round)")
                } else {
                    _ = try await client.keys.get("/tls/refused")
                }
                Issue.record("expected \(reason), the request succeeded", sourceLocation: sourceLocation)
            } catch let error as EtcdClusterError {
                let failure = error.failures.first?.error as? EtcdTransportError
                #expect(failure?.kind == .tls, "\(error)", sourceLocation: sourceLocation)
                #expect(failure?.tlsFailure == reason, "\(error)", sourceLocation: sourceLocation)
                #expect(failure?.delivery == .notSent, "\(error)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("expected \(reason) in an EtcdClusterError, got \(error)", sourceLocation: sourceLocation)
            }
        }
        await client.shutdown()
    }
}

/// TLS settings that cannot work are refused when the client is made.
struct TLSConfigurationTests {
    @Test(arguments: [
        EtcdClient.TLS(caFile: ""),
        EtcdClient.TLS(caDirectory: ""),
        EtcdClient.TLS(certificateFile: "", keyFile: "/k.pem"),
        EtcdClient.TLS(keyFile: "/k.pem"),
    ])
    func unworkableSettingsAreAConfigurationError(tls: EtcdClient.TLS) {
        #expect(throws: EtcdConfigurationError.self) {
            _ = try EtcdClient(configuration: .init(endpoints: ["https://127.0.0.1:2379"], tls: tls))
        }
    }

    @Test func verificationIsOnByDefault() {
        #expect(EtcdClient.TLS().dangerouslySkipCertificateVerification == false)
        #expect(EtcdClient.Configuration(endpoints: ["https://127.0.0.1:2379"]).tls == EtcdClient.TLS())
    }
}
