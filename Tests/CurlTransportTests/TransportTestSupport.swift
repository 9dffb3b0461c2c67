@testable import CurlTransport
import EtcdTestSupport
import Glibc
import Testing

/// Small helpers the transport suites share.
enum TransportTest {
    /// How late a timer or a cancellation may complete in these tests before it counts as a
    /// failure. Loose: the suites share two cores with etcd clusters booting in parallel.
    static let slack = Duration.seconds(3)
    /// The same, for times the transport measures on its own queue (``TransportError/elapsed``),
    /// which do not include the wait for a thread of the cooperative pool.
    static let queueSlack = Duration.milliseconds(150)
    /// The two ways a `GET` can go: through libcurl, and on the event loop's own sockets (the
    /// direct path, the default). Tests of what a `GET` meets run on both.
    static let scopes: [DirectPathScope] = [.off, .gets]

    static func request(
        _ url: String,
        path: String = "/v2/keys/test",
        headerTimeout: Duration? = nil,
        deadline: Duration? = nil
    ) -> TransportRequest {
        request(.get, url, path: path, headerTimeout: headerTimeout, deadline: deadline)
    }

    static func request(
        _ method: HTTPMethod,
        _ url: String,
        path: String = "/v2/keys/test",
        body: String? = nil,
        headerTimeout: Duration? = nil,
        deadline: Duration? = nil
    ) -> TransportRequest {
        TransportRequest(
            method: method,
            endpoint: url,
            pathAndQuery: path,
            headers: body == nil ? [] : [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
            body: body.map { Array($0.utf8) },
            headerTimeout: headerTimeout,
            deadline: deadline
        )
    }

    /// Whether every byte of `bytes` is `byte`, at `memcmp`'s speed. A closure per byte
    /// (`allSatisfy`) took seconds for a few MiB in a debug build under ThreadSanitizer, and
    /// two such tests at once held both threads of the cooperative pool that long, which made
    /// unrelated tests' timers look late.
    static func every(_ bytes: [UInt8], is byte: UInt8) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, let first = buffer.first else { return true }
            // All bytes equal the first one exactly when the buffer equals itself shifted by one.
            return first == byte && memcmp(base, base + 1, buffer.count - 1) == 0
        }
    }

    /// Runs `body` and returns the error it throws (or records an issue if it doesn't) and the
    /// time it took.
    static func failure(
        _ body: () async throws -> TransportResponse,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> (error: (any Error)?, elapsed: Duration) {
        let start = ContinuousClock.now
        do {
            let response = try await body()
            Issue.record("expected an error, got status \(response.status)", sourceLocation: sourceLocation)
            return (nil, ContinuousClock.now - start)
        } catch {
            return (error, ContinuousClock.now - start)
        }
    }

    /// The transport error `error` must be, with the expected kind and delivery.
    @discardableResult
    static func expect(
        _ error: (any Error)?,
        kind: TransportError.Kind,
        delivery: TransportError.Delivery? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> TransportError? {
        guard let error = error as? TransportError else {
            Issue.record("expected a TransportError of kind \(kind), got \(String(describing: error))", sourceLocation: sourceLocation)
            return nil
        }
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        if let delivery {
            #expect(error.delivery == delivery, "\(error)", sourceLocation: sourceLocation)
        }
        return error
    }

    /// The transport still works: a fresh request to a canned server succeeds.
    static func expectUsable(_ transport: CurlTransport, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "ok"))
        defer { server.shutdown() }
        let response = try await transport.execute(request(server.url, headerTimeout: .seconds(5)))
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(response.body == Array("ok".utf8), sourceLocation: sourceLocation)
        let statistics = await transport.statistics()
        #expect(statistics.runningTransfers == 0, sourceLocation: sourceLocation)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e3 + Double(attoseconds) / 1e15
    }
}
