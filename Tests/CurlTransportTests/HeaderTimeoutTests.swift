@testable import CurlTransport
import EtcdTestSupport
import Testing

/// Header timeouts and deadlines against loopback servers that stall on purpose.
///
/// A timeout must never fire early: that bound is exact. The upper bounds are loose on purpose:
/// these suites run in parallel with suites that boot etcd clusters on the same two cores, and
/// under sanitizers, so a late wake-up of a few hundred milliseconds says nothing about the
/// transport. The precise figures belong to `etcdv2-bench headertimeout` (docs/performance.md).
struct HeaderTimeoutTests {
    @Test(arguments: TransportTest.scopes)
    func firesAgainstABlackHoleNoEarlierThanConfigured(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        for method in [HTTPMethod.get, .put] {
            let request = TransportTest.request(method, server.url, body: method == .put ? "value=x" : nil, headerTimeout: .milliseconds(200))
            let (error, elapsed) = await TransportTest.failure { try await transport.execute(request) }
            let transportError = TransportTest.expect(error, kind: .headerTimeout, delivery: .possiblySent)
            #expect(transportError?.endpoint == server.url)
            #expect(elapsed >= .milliseconds(200))
            #expect(elapsed < .milliseconds(200) + TransportTest.slack, "fired \(elapsed.milliseconds - 200) ms late")
            let onQueue = transportError?.elapsed ?? .zero
            #expect(onQueue >= .milliseconds(200))
            #expect(onQueue < .milliseconds(200) + TransportTest.queueSlack, "fired \(onQueue.milliseconds - 200) ms late")
        }
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test func interimResponsesDoNotStopTheTimer() async throws {
        let server = try LoopbackServer(.interimThenDelayed(.seconds(2)))
        defer { server.shutdown() }
        let transport = try CurlTransport()
        let request = TransportTest.request(.put, server.url, body: "value=x", headerTimeout: .milliseconds(200))
        let (error, elapsed) = await TransportTest.failure { try await transport.execute(request) }
        let transportError = TransportTest.expect(error, kind: .headerTimeout, delivery: .possiblySent)
        #expect(elapsed >= .milliseconds(200))
        #expect((transportError?.elapsed ?? .zero) < .milliseconds(200) + TransportTest.queueSlack)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func headersInTimeSucceed(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.delayedHeaders(.milliseconds(50), body: #"{"a":1}"#))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let response = try await transport.execute(TransportTest.request(server.url, headerTimeout: .seconds(2)))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"a":1}"#)
        #expect(response.duration >= .milliseconds(50))
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func theHeaderTimeoutEndsWithTheHeaders(scope: DirectPathScope) async throws {
        // Headers at once, then 5 body bytes over ~250 ms: a 100 ms header timeout must not fire.
        let server = try LoopbackServer(.slowBody(chunks: 5, interval: .milliseconds(50)))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let response = try await transport.execute(TransportTest.request(server.url, headerTimeout: .milliseconds(100)))
        #expect(response.status == 200)
        #expect(response.body == Array("xxxxx".utf8))
        #expect(response.duration >= .milliseconds(200))
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func theDeadlineCoversTheBody(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.slowBody(chunks: 100, interval: .milliseconds(20)))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let request = TransportTest.request(server.url, headerTimeout: .milliseconds(100), deadline: .milliseconds(300))
        let (error, elapsed) = await TransportTest.failure { try await transport.execute(request) }
        TransportTest.expect(error, kind: .deadlineExceeded, delivery: .possiblySent)
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .milliseconds(300) + TransportTest.slack)
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func manyTimeoutsAtOnceEachFireOnTime(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let results = await withTaskGroup(of: (Bool, Duration).self) { group in
            for i in 0..<50 {
                let timeout = Duration.milliseconds(100 + 4 * i)
                group.addTask {
                    let (error, elapsed) = await TransportTest.failure {
                        try await transport.execute(TransportTest.request(server.url, headerTimeout: timeout))
                    }
                    let onQueue = (error as? TransportError)?.elapsed ?? .zero
                    let ok = (error as? TransportError)?.kind == .headerTimeout && elapsed >= timeout
                        && onQueue >= timeout && onQueue < timeout + TransportTest.queueSlack
                    return (ok, onQueue - timeout)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let late = results.filter { !$0.0 }.map { $0.1.milliseconds }
        #expect(late.isEmpty, "late or wrong, ms past the timeout: \(late)")
        await transport.shutdown()
    }
}
