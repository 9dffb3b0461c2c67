import Foundation
import Testing

@testable import EtcdTestSupport

/// The ``LoopbackServer`` behaviors that answer, seen through ``LoopbackHTTP`` and raw sockets.
@Suite struct LoopbackServerResponseTests {
    @Test func respondServesCannedResponses() throws {
        let server = try LoopbackServer(
            .respond(status: 404, headers: ["X-Etcd-Index": "7", "Content-Type": "application/json"], body: #"{"errorCode":100}"#))
        defer { server.shutdown() }
        #expect(server.url == "http://127.0.0.1:\(server.port)")
        for _ in 0..<3 {
            let reply = try LoopbackHTTP.blockingRequest("GET", server.url + "/v2/keys/missing")
            #expect(reply.status == 404)
            #expect(reply.body == #"{"errorCode":100}"#)
            #expect(reply.headers["x-etcd-index"] == "7")
            #expect(reply.headers["content-length"] == "17")
        }
        #expect(server.acceptedConnections == 3)
        #expect(server.requestsReceived == 3)
    }

    @Test func respondKeepsConnectionsAlive() throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: "ok"))
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        client.send(rawGET("/a", keepAlive: true))
        #expect(client.read(until: "\r\n\r\nok").hasPrefix("HTTP/1.1 200 OK\r\n"))
        client.send("PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" + rawGET("/c", keepAlive: true))
        let answers = { (text: String) in text.components(separatedBy: "HTTP/1.1 200 OK").count - 1 }
        let text = client.read { answers($0) == 2 && $0.hasSuffix("ok") }
        #expect(answers(text) == 2)
        client.send(rawGET("/d"))
        let rest = String(decoding: try #require(client.readToEnd()), as: UTF8.self)
        #expect(rest.contains("Connection: close"))
        #expect(server.acceptedConnections == 1)
        #expect(server.requestsReceived == 4)
    }

    @Test func respondAnswersExpectContinue() throws {
        let server = try LoopbackServer(.respond(status: 201, headers: [:], body: "{}"))
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        client.send("PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 7\r\nConnection: close\r\n\r\n")
        #expect(client.read(until: "\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n")
        client.send("value=1")
        let text = String(decoding: try #require(client.readToEnd()), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{}"))
    }

    @Test func delayedHeadersAnswersAfterTheDelay() throws {
        let server = try LoopbackServer(.delayedHeaders(.milliseconds(300), body: #"{"a":1}"#))
        defer { server.shutdown() }
        let (reply, elapsed) = try measure { try LoopbackHTTP.blockingRequest("PUT", server.url + "/v2/keys/a", body: "value=1") }
        #expect(elapsed >= .milliseconds(290))
        #expect(reply.status == 200)
        #expect(reply.body == #"{"a":1}"#)
        #expect(reply.headers["content-type"] == "application/json")
        expectHTTPError("short timeout", { if case .timedOut = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", server.url + "/", timeout: .milliseconds(100))
        }
    }

    @Test func interimThenDelayedSendsContinueAtOnce() throws {
        let server = try LoopbackServer(.interimThenDelayed(.milliseconds(300)))
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        let (interim, early) = measure {
            client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return client.read(until: "\r\n\r\n")
        }
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(early < .milliseconds(250))
        let text = String(decoding: try #require(client.readToEnd()), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{}"))

        let (reply, elapsed) = try measure { try LoopbackHTTP.blockingRequest("GET", server.url + "/") }
        #expect(reply.status == 200)
        #expect(reply.body == "{}")
        #expect(elapsed >= .milliseconds(290))
    }

    @Test func hugeBodyStreamsEveryByte() throws {
        let size = 3 * 1024 * 1024 + 17
        let server = try LoopbackServer(.hugeBody(bytes: size))
        defer { server.shutdown() }
        let reply = try LoopbackHTTP.blockingRequest("GET", server.url + "/", timeout: .seconds(10))
        #expect(reply.status == 200)
        #expect(reply.headers["content-length"] == "\(size)")
        #expect(reply.body.utf8.count == size)
        #expect(reply.body.utf8.allSatisfy { $0 == UInt8(ascii: "x") })
    }

    @Test func hugeBodyStopsQuietlyWhenTheClientLeaves() throws {
        let server = try LoopbackServer(.hugeBody(bytes: 512 * 1024 * 1024))
        defer { server.shutdown() }
        do {
            let client = try RawClient(port: server.port)
            client.send(rawGET())
            #expect(client.read(until: "xxxxxxxx").contains("Content-Length: \(512 * 1024 * 1024)"))
        }
        // The server keeps working for new clients.
        let probe = try LoopbackServer(.hugeBody(bytes: 10))
        defer { probe.shutdown() }
        #expect(try LoopbackHTTP.blockingRequest("GET", probe.url + "/").body == "xxxxxxxxxx")
    }

    @Test func slowBodySendsOneBytePerInterval() throws {
        let server = try LoopbackServer(.slowBody(chunks: 5, interval: .milliseconds(60)))
        defer { server.shutdown() }
        let (reply, elapsed) = try measure { try LoopbackHTTP.blockingRequest("GET", server.url + "/") }
        #expect(reply.body == "xxxxx")
        #expect(elapsed >= .milliseconds(290))
        expectHTTPError("timeout mid-body", { if case .timedOut = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", server.url + "/", timeout: .milliseconds(150))
        }
    }
}
