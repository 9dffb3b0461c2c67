import CurlTransport
import EtcdTestSupport
@testable import EtcdV2
import InMemoryLogging
import Logging
import Testing

/// What a refused TLS handshake means for writes, and basic auth over TLS: credentials on
/// every request, in no log line at any level.
struct TLSSafetyEtcdTests {
    /// The first endpoint refuses our client certificate (it trusts another CA); each write,
    /// through a fresh client so that it starts there, moves on to the second endpoint, because
    /// a refused handshake cannot have applied it.
    @Test func aWriteRefusedByTheHandshakeFailsOverToTheNextEndpoint() async throws {
        try await withTestCertificates { certificates in
            let refusing = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.otherCAFile)
            let accepting = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: refusing) { refuser in
                try await withEtcdCluster(tls: accepting) { acceptor in
                    let handler = InMemoryLogHandler()
                    var logger = Logger(label: "test") { _ in handler }
                    logger.logLevel = .debug
                    for round in 0..<6 {
                        let client = try EtcdClient(configuration: .init(
                            endpoints: [refuser.clientURL(0), acceptor.clientURL(0)],
                            tls: TLSEtcdTests.mutual(certificates, certificates.client),
                            logger: logger, shuffleEndpoints: false))
                        let set = try await client.keys.set("/failover", value: "\(round)")
                        #expect(set.node?.value == "\(round)")
                        await client.shutdown()
                    }
                    let refused = handler.entries.filter {
                        $0.message.description == "request failed"
                            && $0.metadata["etcd.endpoint"]?.description == refuser.clientURL(0)
                    }
                    #expect(refused.count >= 6)
                    #expect(refused.allSatisfy { $0.metadata["etcd.error"]?.description.contains("tls (clientCertificateRejected), not sent") == true })
                    let direct = try EtcdClient(configuration: .init(
                        endpoints: acceptor.clientURLs, tls: TLSEtcdTests.mutual(certificates, certificates.client)))
                    #expect(try await direct.keys.get("/failover").node?.value == "5")
                    await direct.shutdown()
                }
            }
        }
    }

    @Test func basicAuthOverTLSIsSentOnEveryRequestAndNeverLogged() async throws {
        let password = "tls-secret-\(UInt32.random(in: 0...UInt32.max))"
        try await withTestCertificates { certificates in
            try await withEtcdCluster(tls: EtcdClusterTLS(certificate: certificates.server)) { cluster in
                let handler = InMemoryLogHandler()
                var logger = Logger(label: "test") { _ in handler }
                logger.logLevel = .trace
                let tls = EtcdClient.TLS(caFile: certificates.caFile)
                let root = try EtcdClient(configuration: .init(
                    endpoints: cluster.clientURLs, credentials: .init(username: "root", password: password), tls: tls,
                    logger: logger))
                defer { Task { await root.shutdown() } }
                // Create root, enable auth, and take the guest role's default full access away.
                let json = [HTTPHeader("Content-Type", "application/json")]
                let user = try await root.requester.send(
                    .put, "/v2/auth/users/root", body: Array(#"{"user":"root","password":"\#(password)"}"#.utf8),
                    headers: json, isIdempotent: false)
                #expect(user.response.status == 201)
                #expect(try await root.requester.send(.put, "/v2/auth/enable", isIdempotent: false).response.status == 200)
                let revoke = #"{"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}}"#
                let guest = try await root.requester.send(
                    .put, "/v2/auth/roles/guest", body: Array(revoke.utf8), headers: json, isIdempotent: false)
                #expect(guest.response.status == 200)

                for index in 0..<3 {
                    _ = try await root.keys.set("/secured/\(index)", value: "v")
                    #expect(try await root.keys.get("/secured/\(index)").node?.value == "v")
                }
                let anonymous = try EtcdClient(configuration: .init(endpoints: cluster.clientURLs, tls: tls, logger: logger))
                defer { Task { await anonymous.shutdown() } }
                let refused = await etcdError { try await anonymous.keys.get("/secured/0") }
                #expect(refused?.code == .unauthorized)

                let everything = handler.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
                #expect(handler.entries.count >= 8)
                #expect(!everything.contains(password))
                let basic = Base64.encode(Array("root:\(password)".utf8))
                #expect(!everything.contains(basic))
                #expect(!everything.contains("Authorization"))
            }
        }
    }
}

/// RFC 4648 base64, to look for an `Authorization` value in logs.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return output
    }
}
