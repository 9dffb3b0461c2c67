@testable import CurlTransport
import EtcdTestSupport
import Testing

/// The transport against etcd over mutual TLS; part of the suite that also runs under the
/// thread and address sanitizers, so the TLS 1.2 retry and the discarded dead connection of a
/// refused handshake are exercised there too.
struct TransportTLSTests {
    @Test func mutualTLSKeepsItsConnectionAlive() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                let transport = try CurlTransport(configuration: TransportConfiguration(tls: .init(
                    caFile: certificates.caFile, certificateFile: certificates.client.certificateFile,
                    keyFile: certificates.client.keyFile)))
                var reused: [Bool] = []
                for _ in 0..<5 {
                    let response = try await transport.execute(TransportTest.request(cluster.clientURL(0), path: "/v2/keys/"))
                    #expect(response.status == 200)
                    reused.append(response.reusedConnection)
                }
                #expect(reused == [false, true, true, true, true])
                #expect(await transport.statistics().connectionsOpened == 1)
                await transport.shutdown()
            }
        }
    }

    @Test func everyRefusedWriteOnOneTransportIsATLSErrorNotSent() async throws {
        try await withTestCertificates { certificates in
            let tls = EtcdClusterTLS(certificate: certificates.server, clientCAFile: certificates.caFile)
            try await withEtcdCluster(tls: tls) { cluster in
                let transport = try CurlTransport(configuration: TransportConfiguration(tls: .init(
                    caFile: certificates.caFile, certificateFile: certificates.otherClient.certificateFile,
                    keyFile: certificates.otherClient.keyFile)))
                for round in 0..<12 {
                    let request = TransportTest.request(.put, cluster.clientURL(0), path: "/v2/keys/refused", body: "value=\(round)")
                    let (error, _) = await TransportTest.failure { try await transport.execute(request) }
                    let failure = TransportTest.expect(error, kind: .tls, delivery: .notSent)
                    #expect(failure?.tlsFailure == .clientCertificateRejected, "\(String(describing: failure))")
                }
                try await TransportTest.expectUsable(transport)
                await transport.shutdown()
                let statistics = await transport.statistics()
                #expect(statistics.trackedSockets == 0)
                #expect(statistics.socketsClosed == statistics.socketsOpened)
                // Nothing reached etcd.
                let get = try await LoopbackHTTP.request("GET", cluster.plainClientURL(0) + "/v2/keys/refused")
                #expect(get.status == 404)
            }
        }
    }
}
