@testable import EtcdTestSupport
import Foundation
import Glibc
import Testing

/// The throwaway certificates and the TLS cluster the TLS suites build on.
struct TestCertificatesTests {
    @Test func certificatesCarryTheNamesAndIssuersTheTablePromises() async throws {
        try await withTestCertificates { certificates in
            let server = try await Self.text(of: certificates.server.certificateFile, in: certificates)
            #expect(server.contains("IP Address:127.0.0.1"))
            #expect(server.contains("DNS:localhost"))
            #expect(server.contains("TLS Web Server Authentication"))
            let wrongHost = try await Self.text(of: certificates.wrongHostServer.certificateFile, in: certificates)
            #expect(wrongHost.contains("DNS:wrong-host.invalid"))
            #expect(!wrongHost.contains("127.0.0.1"))
            let client = try await Self.text(of: certificates.client.certificateFile, in: certificates)
            #expect(client.contains("Issuer: CN = swift-etcd-v2 test CA"))
            #expect(client.contains("TLS Web Client Authentication"))
            let other = try await Self.text(of: certificates.otherClient.certificateFile, in: certificates)
            #expect(other.contains("Issuer: CN = swift-etcd-v2 unrelated CA"))
            let hashed = try FileManager.default.contentsOfDirectory(atPath: certificates.caDirectory)
            #expect(hashed.contains { $0.hasSuffix(".0") })
        }
    }

    @Test func theFolderIsRemovedAfterwards() async throws {
        let directory = try await withTestCertificates { $0.directory }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test func aMissingOpenSSLIsAFailureWithAnInstallHint() async throws {
        do {
            _ = try await TestCertificates.make(openssl: "/nonexistent/openssl")
            Issue.record("expected toolMissing")
        } catch let error as EtcdHarnessError {
            if case .toolMissing = error {
                #expect(error.description.contains("apt-get install openssl"))
            } else {
                Issue.record("expected toolMissing, got \(error)")
            }
        }
    }

    @Test func aTLSClusterServesHTTPSAndIsProbedOverItsPlainPort() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                #expect(cluster.clientURL(0).hasPrefix("https://127.0.0.1:"))
                #expect(cluster.plainClientURL(0).hasPrefix("http://127.0.0.1:"))
                #expect(cluster.plainClientURL(0) != cluster.clientURL(0).replacingOccurrences(of: "https", with: "http"))
                let health = try await LoopbackHTTP.request("GET", cluster.plainClientURL(0) + "/health")
                #expect(health.body.contains("true"))
                #expect(try await cluster.leader() == 0)
            }
        }
    }

    /// `openssl x509 -noout -text` of `file`.
    static func text(of file: String, in certificates: TestCertificates) async throws -> String {
        let output = certificates.directory + "/inspect-\(UInt32.random(in: 0...UInt32.max)).txt"
        let status = try await Blocking.run {
            let pid = try ChildProcess.spawn(
                executable: TestCertificates.opensslPath, arguments: ["x509", "-in", file, "-noout", "-text"],
                environment: [:], logPath: output)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            return status
        }
        #expect(status == 0)
        return try String(contentsOfFile: output, encoding: .utf8)
    }
}
