@testable import CurlTransport
import EtcdTestSupport
import Testing

/// Every class of transport failure, each produced by a server that really does it.
struct TransportErrorTests {
    @Test func connectionRefusedIsNotSent() async throws {
        let port = try FreePort.allocate()  // nothing listens there
        let transport = try CurlTransport()
        let url = "http://127.0.0.1:\(port)"
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(.post, url, body: "value=x")) }
        let transportError = TransportTest.expect(error, kind: .couldNotConnect, delivery: .notSent)
        #expect(transportError?.endpoint == url)
        #expect(transportError?.curlCode == 7)
        #expect(transportError?.message.isEmpty == false)
        await transport.shutdown()
    }

    @Test func anUnresolvableHostIsNotSent() async throws {
        // A DNS label longer than 63 bytes fails inside the resolver library, before any query
        // leaves the machine (checked with strace: no packet to the name server).
        let host = String(repeating: "a", count: 70) + ".invalid"
        let transport = try CurlTransport()
        for _ in 0..<3 {  // the threaded resolver's socketpair is reused safely each time
            let (error, _) = await TransportTest.failure {
                try await transport.execute(TransportTest.request(.put, "http://\(host):1", body: "value=x"))
            }
            TransportTest.expect(error, kind: .couldNotResolve, delivery: .notSent)
        }
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test func connectTimeoutIsNotSent() async throws {
        let listener = try UnacceptingListener()
        let transport = try CurlTransport(configuration: TransportConfiguration(connectTimeout: .milliseconds(150)))
        let (error, elapsed) = await TransportTest.failure { try await transport.execute(TransportTest.request(.put, listener.url, body: "value=x")) }
        let transportError = TransportTest.expect(error, kind: .connectTimeout, delivery: .notSent)
        #expect(elapsed >= .milliseconds(150))
        #expect(elapsed < .milliseconds(150) + TransportTest.slack)
        #expect((transportError?.elapsed ?? .zero) < .milliseconds(150) + TransportTest.queueSlack)
        await transport.shutdown()
    }

    @Test func aHeaderTimeoutDuringConnectIsNotSent() async throws {
        let listener = try UnacceptingListener()
        let transport = try CurlTransport(configuration: TransportConfiguration(connectTimeout: .seconds(10)))
        let request = TransportTest.request(.put, listener.url, body: "value=x", headerTimeout: .milliseconds(150))
        let (error, _) = await TransportTest.failure { try await transport.execute(request) }
        TransportTest.expect(error, kind: .headerTimeout, delivery: .notSent)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func closedRightAfterAcceptIsPossiblySent(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.closeOnAccept)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(server.url)) }
        TransportTest.expect(error, kind: .connectionClosed, delivery: .possiblySent)
        await transport.shutdown()
    }

    @Test func closedAfterTheRequestIsPossiblySent() async throws {
        let server = try LoopbackServer(.closeAfterRequest)
        defer { server.shutdown() }
        let transport = try CurlTransport()
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(.post, server.url, body: "value=x")) }
        TransportTest.expect(error, kind: .connectionClosed, delivery: .possiblySent)
        #expect(server.requestsReceived == 1)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func garbageIsAMalformedResponse(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.garbage)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(server.url)) }
        TransportTest.expect(error, kind: .malformedResponse, delivery: .possiblySent)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func aTruncatedBodyIsAClosedConnection(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.truncatedBody)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(server.url)) }
        TransportTest.expect(error, kind: .connectionClosed, delivery: .possiblySent)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func aHugeBodyHitsTheCapWithoutBeingRead(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.hugeBody(bytes: 256 << 20))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: TransportConfiguration(maxResponseBodyBytes: 1 << 20, directPath: scope))
        let (error, elapsed) = await TransportTest.failure { try await transport.execute(TransportTest.request(server.url)) }
        TransportTest.expect(error, kind: .responseTooLarge, delivery: .possiblySent)
        #expect(elapsed < .seconds(5))
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func aBodyUnderTheCapArrivesWhole(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.hugeBody(bytes: 3 << 20))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: TransportConfiguration(maxResponseBodyBytes: 4 << 20, directPath: scope))
        let response = try await transport.execute(TransportTest.request(server.url))
        #expect(response.body.count == 3 << 20)
        let allX = TransportTest.every(response.body, is: UInt8(ascii: "x"))  // outside #expect, which would print 3 MiB
        #expect(allX)
        await transport.shutdown()
    }

    @Test func aFailedTLSHandshakeIsATLSError() async throws {
        let server = try LoopbackServer(.closeOnAccept)
        defer { server.shutdown() }
        let transport = try CurlTransport()
        let url = "https://127.0.0.1:\(server.port)"
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(url)) }
        TransportTest.expect(error, kind: .tls, delivery: .notSent)
        await transport.shutdown()
    }

    @Test func aMalformedURLIsAnInvalidRequest() async throws {
        let transport = try CurlTransport()
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request("http://exa mple:1")) }
        TransportTest.expect(error, kind: .invalidRequest, delivery: .notSent)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func shutdownFailsWhatIsInFlightAndWhatComesAfter(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.delayedHeaders(.seconds(60), body: "{}"))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let inFlight = (0..<4).map { _ in Task { try await transport.execute(TransportTest.request(server.url)) } }
        // Wait until the server has read all four requests (so each was sent).
        let bound = ContinuousClock.now + .seconds(10)
        while server.requestsReceived < 4 && ContinuousClock.now < bound {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.requestsReceived == 4)
        await transport.shutdown()
        for task in inFlight {
            let result = await task.result
            if case .failure(let error) = result {
                TransportTest.expect(error, kind: .shutdown, delivery: .possiblySent)
            } else {
                Issue.record("an in-flight request survived shutdown")
            }
        }
        let (error, _) = await TransportTest.failure { try await transport.execute(TransportTest.request(server.url)) }
        TransportTest.expect(error, kind: .shutdown, delivery: .notSent)
        let statistics = await transport.statistics()
        #expect(statistics.trackedSockets == 0)
        #expect(statistics.socketsOpened == 4)
        #expect(statistics.socketsClosed == statistics.socketsOpened)
        await transport.shutdown()  // idempotent
    }
}
