import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Answers that are not etcd v2, and unreachable clusters: each a clear typed error.
struct ClientErrorEtcdTests {
    @Test func aServerWithTheV2APIDisabledIsNamed() async throws {
        try await withEtcdCluster(members: 1, extraArguments: ["--enable-v2=false"]) { cluster in
            let client = try EtcdClient(configuration: .init(endpoints: cluster.clientURLs))
            defer { Task { await client.shutdown() } }
            _ = try await client.version()  // /version answers
            do {
                _ = try await client.keys.get("/x")
                Issue.record("expected v2Disabled")
            } catch let error as EtcdResponseError {
                #expect(error.kind == .v2Disabled)
                #expect(error.description.contains("--enable-v2"))
                #expect(error.description.contains(cluster.clientURL(0)))
            }
        }
    }

    @Test(arguments: ["", "not json", #"{"truncated": "#, #"{"node":{"key":"/x"}}"#])
    func garbageBodiesAreNotAnEtcdEndpoint(body: String) async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: ["Content-Type": "application/json"], body: body))
        defer { server.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url]))
        do {
            _ = try await client.keys.get("/x")
            Issue.record("expected invalidBody")
        } catch let error as EtcdResponseError {
            #expect(error.kind == .invalidBody)
            #expect(error.description.contains("is not an etcd v2 endpoint"))
        }
        await client.shutdown()
    }

    @Test func allEndpointsDownIsAClusterErrorListingEach() async throws {
        let ports = try (0..<3).map { _ in try FreePort.allocate() }
        let endpoints = ports.map { "http://127.0.0.1:\($0)" }
        let client = try EtcdClient(configuration: .init(endpoints: endpoints))
        do {
            _ = try await client.keys.get("/x")
            Issue.record("expected a cluster error")
        } catch let error as EtcdClusterError {
            #expect(Set(error.failures.map(\.endpoint)) == Set(endpoints))
            #expect(error.failures.allSatisfy { ($0.error as? EtcdTransportError)?.kind == .couldNotConnect })
        }
        await client.shutdown()
    }

    @Test func aPossiblySentWriteIsNotSentTwice() async throws {
        let server = try LoopbackServer(.closeAfterRequest)
        defer { server.shutdown() }
        let other = try LoopbackServer(.respond(status: 201, headers: [:], body: #"{"action":"create"}"#))
        defer { other.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url, other.url], shuffleEndpoints: false))
        do {
            _ = try await client.keys.createInOrder(inDirectory: "/q", value: "x")
            Issue.record("expected an outcome-unknown error")
        } catch let error as EtcdOutcomeUnknownError {
            #expect(error.cause.delivery == .possiblySent)
            #expect(error.endpoint == server.url)
            #expect(error.earlierFailures.isEmpty)
        }
        #expect(server.requestsReceived == 1)
        #expect(other.requestsReceived == 0)
        await client.shutdown()
    }

    @Test func theCallersDeadlineIsItsOwnError() async throws {
        let first = try LoopbackServer(.blackHole)
        defer { first.shutdown() }
        let second = try LoopbackServer(.blackHole)
        defer { second.shutdown() }
        // Each endpoint gets 200 ms of header timeout; the whole call gets 300 ms.
        let client = try EtcdClient(configuration: .init(
            endpoints: [first.url, second.url], headerTimeoutPerRequest: .milliseconds(200), shuffleEndpoints: false))
        let start = ContinuousClock.now
        do {
            _ = try await client.keys.timeout(.milliseconds(300)).get("/x")
            Issue.record("expected EtcdDeadlineExceeded")
        } catch let error as EtcdDeadlineExceeded {
            #expect(error.timeout == .milliseconds(300))
            // Normally both endpoints were tried, the second cut short by the deadline; on a
            // stalled machine the first attempt alone may have used up the 300 ms.
            #expect(error.failures.first?.endpoint == first.url)
            #expect((error.failures.first?.error as? EtcdTransportError)?.kind == .headerTimeout)
            if error.failures.count == 2 {
                #expect(error.failures.last?.endpoint == second.url)
                #expect((error.failures.last?.error as? EtcdTransportError)?.kind == .deadlineExceeded)
            }
            #expect(error.failures.count <= 2)
        }
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        // Without a call timeout the same call is a cluster error after both header timeouts.
        do {
            _ = try await client.keys.get("/x")
            Issue.record("expected EtcdClusterError")
        } catch let error as EtcdClusterError {
            #expect(error.failures.count == 2)
        }
        await client.shutdown()
    }

    @Test func aReadMovesToTheNextEndpoint() async throws {
        let dead = try LoopbackServer(.closeAfterRequest)
        defer { dead.shutdown() }
        try await withEtcdCluster(members: 1) { cluster in
            let client = try EtcdClient(configuration: .init(endpoints: [dead.url] + cluster.clientURLs, shuffleEndpoints: false))
            _ = try await LoopbackHTTP.request("PUT", cluster.clientURL(0) + "/v2/keys/m", body: "value=v")
            #expect(try await client.keys.get("/m").node?.value == "v")
            #expect(dead.requestsReceived == 1)
            // The answering endpoint is pinned: the next request goes straight there.
            _ = try await client.keys.set("/m", value: "w")
            #expect(dead.requestsReceived == 1)
            await client.shutdown()
        }
    }
}
