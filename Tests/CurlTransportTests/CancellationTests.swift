@testable import CurlTransport
import EtcdTestSupport
import Testing

/// Task cancellation at every stage of a transfer: it throws `CancellationError` at once, and
/// the transport stays usable.
struct CancellationTests {
    /// Starts `request` in a task, cancels the task after `delay`, and returns the outcome and
    /// the time from cancel to completion.
    private func cancel(
        _ request: TransportRequest, on transport: CurlTransport, after delay: Duration
    ) async throws -> (error: (any Error)?, latency: Duration) {
        let task = Task { try await transport.execute(request) }
        try await Task.sleep(for: delay)
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        let latency = ContinuousClock.now - start
        if case .failure(let error) = result { return (error, latency) }
        return (nil, latency)
    }

    @Test(arguments: TransportTest.scopes)
    func beforeTheTransferStartsNothingIsSent(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let request = TransportTest.request(server.url, headerTimeout: .seconds(5))
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.execute(request)
        }.result
        #expect(throws: CancellationError.self) { try result.get() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.acceptedConnections == 0)
        #expect(await transport.statistics().socketsOpened == 0)
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func duringConnect(scope: DirectPathScope) async throws {
        let listener = try UnacceptingListener()
        let transport = try CurlTransport(configuration: TransportConfiguration(connectTimeout: .seconds(10), directPath: scope))
        let (error, latency) = try await cancel(TransportTest.request(listener.url), on: transport, after: .milliseconds(100))
        #expect(error is CancellationError, "\(String(describing: error))")
        #expect(latency < TransportTest.slack)
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func whileWaitingForHeaders(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let (error, latency) = try await cancel(TransportTest.request(server.url), on: transport, after: .milliseconds(100))
        #expect(error is CancellationError, "\(String(describing: error))")
        #expect(latency < TransportTest.slack)
        try await TransportTest.expectUsable(transport)
        let statistics = await transport.statistics()
        #expect(statistics.runningTransfers == 0)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func duringTheBody(scope: DirectPathScope) async throws {
        let server = try LoopbackServer(.slowBody(chunks: 1000, interval: .milliseconds(10)))
        defer { server.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let (error, latency) = try await cancel(TransportTest.request(server.url), on: transport, after: .milliseconds(150))
        #expect(error is CancellationError, "\(String(describing: error))")
        #expect(latency < TransportTest.slack)
        try await TransportTest.expectUsable(transport)
        await transport.shutdown()
    }

    @Test(arguments: TransportTest.scopes)
    func cancellingOneOfManyLeavesTheOthers(scope: DirectPathScope) async throws {
        let slow = try LoopbackServer(.delayedHeaders(.seconds(2), body: "{}"))
        defer { slow.shutdown() }
        let transport = try CurlTransport(configuration: .init(directPath: scope))
        let victim = Task { try await transport.execute(TransportTest.request(slow.url)) }
        let others = (0..<8).map { _ in Task { try await transport.execute(TransportTest.request(slow.url)) } }
        try await Task.sleep(for: .milliseconds(50))
        victim.cancel()
        let victimResult = await victim.result
        #expect(throws: CancellationError.self) { try victimResult.get() }
        for other in others {
            #expect(try await other.value.status == 200)
        }
        await transport.shutdown()
    }
}
