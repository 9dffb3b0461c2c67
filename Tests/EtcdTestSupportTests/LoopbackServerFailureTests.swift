import Foundation
import Testing

@testable import EtcdTestSupport

/// The misbehaving ``LoopbackServer`` behaviors, seen through ``LoopbackHTTP`` and raw sockets.
@Suite struct LoopbackServerFailureTests {
    @Test func blackHoleNeverAnswersAndCountsTheRequest() throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let (_, elapsed) = measure {
            expectHTTPError("blackHole", { if case .timedOut = $0 { true } else { false } }) {
                try LoopbackHTTP.blockingRequest("GET", server.url + "/v2/keys/a", timeout: .milliseconds(200))
            }
        }
        #expect(elapsed >= .milliseconds(190))
        #expect(elapsed < .seconds(2))
        #expect(server.acceptedConnections == 1)
        #expect(server.requestsReceived == 1)
    }

    @Test func blackHoleKeepsTheSocketOpenUntilShutdown() throws {
        let server = try LoopbackServer(.blackHole)
        let client = try RawClient(port: server.port, timeout: .milliseconds(300))
        client.send(rawGET())
        // Nothing arrives and the connection is not closed: the read times out.
        #expect(client.readToEnd() == nil)
        let (_, elapsed) = measure { server.shutdown() }
        #expect(elapsed < .seconds(2))
        // After shutdown the socket is closed.
        #expect(client.readToEnd() == [])
    }

    @Test func garbageIsNotHTTP() throws {
        let server = try LoopbackServer(.garbage)
        defer { server.shutdown() }
        expectHTTPError("garbage", { if case .malformed = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", server.url + "/")
        }
        let client = try RawClient(port: server.port)
        client.send(rawGET())
        let bytes = try #require(client.readToEnd())
        #expect(bytes.starts(with: Array("garbage\r\n\r\n".utf8)))
        #expect(bytes.count > "garbage\r\n\r\n".utf8.count)
    }

    @Test func truncatedBodyEndsEarly() throws {
        let server = try LoopbackServer(.truncatedBody)
        defer { server.shutdown() }
        expectHTTPError("truncatedBody", { if case .connectionClosed = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", server.url + "/")
        }
        let client = try RawClient(port: server.port)
        client.send(rawGET())
        let text = String(decoding: try #require(client.readToEnd()), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Content-Length: 100\r\n"))
        let body = try #require(text.range(of: "\r\n\r\n")).upperBound
        #expect(text[body...].utf8.count == 10)
    }

    @Test func closeOnAcceptFailsTheRequest() throws {
        let server = try LoopbackServer(.closeOnAccept)
        defer { server.shutdown() }
        expectHTTPError("closeOnAccept", {
            switch $0 {
            case .connectionClosed, .io: true
            default: false
            }
        }) {
            try LoopbackHTTP.blockingRequest("GET", server.url + "/")
        }
        #expect(server.acceptedConnections == 1)
        #expect(server.requestsReceived == 0)
    }

    @Test func closeAfterRequestReadsHeadersThenCloses() throws {
        let server = try LoopbackServer(.closeAfterRequest)
        defer { server.shutdown() }
        expectHTTPError("closeAfterRequest", {
            switch $0 {
            case .connectionClosed, .io: true
            default: false
            }
        }) {
            try LoopbackHTTP.blockingRequest("PUT", server.url + "/v2/keys/a", body: "value=1")
        }
        #expect(server.acceptedConnections == 1)
        #expect(server.requestsReceived == 1)
    }

    @Test func shutdownDoesNotHangWithBusyConnections() throws {
        let server = try LoopbackServer(.slowBody(chunks: 1000, interval: .milliseconds(100)))
        let hole = try LoopbackServer(.blackHole)
        let huge = try LoopbackServer(.hugeBody(bytes: 64 * 1024 * 1024))
        var clients: [RawClient] = []
        for port in [server.port, hole.port, huge.port] {
            for _ in 0..<3 {
                let client = try RawClient(port: port, timeout: .milliseconds(200))
                client.send(rawGET())
                clients.append(client)
            }
        }
        // Let the servers get going: headers sent, huge bodies blocked on full buffers.
        _ = clients[0].read(until: "\r\n\r\n")
        _ = clients[6].read(until: "xxxx")
        let (_, elapsed) = measure {
            server.shutdown()
            hole.shutdown()
            huge.shutdown()
        }
        #expect(elapsed < .seconds(2))
        #expect(hole.acceptedConnections == 3)
        server.shutdown()  // idempotent
    }

    @Test func deinitShutsDown() throws {
        var port: UInt16 = 0
        do {
            let server = try LoopbackServer(.blackHole)
            port = server.port
            let client = try RawClient(port: port, timeout: .milliseconds(100))
            client.send(rawGET())
        }
        // The listener is gone, so connecting is refused.
        expectHTTPError("after deinit", { if case .connectFailed = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", "http://127.0.0.1:\(port)/", timeout: .milliseconds(500))
        }
    }
}
