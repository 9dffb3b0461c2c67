import Glibc
import Testing

@testable import EtcdTestSupport

/// ``LoopbackHTTP``: URL checks, response framing, and errors.
@Suite struct LoopbackHTTPTests {
    @Test(arguments: [
        "http://10.0.0.1/v2/keys", "http://example.com/", "http://192.168.1.1:2379/", "http://128.0.0.1/",
        "http://[::1]:2379/", "http://127.0.0.256/",
    ])
    func rejectsNonLoopbackHosts(url: String) {
        expectHTTPError(url, { if case .notLoopback = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", url, timeout: .milliseconds(100))
        }
    }

    @Test(arguments: ["https://127.0.0.1/", "127.0.0.1:80/", "http://", "http://127.0.0.1:0/", "http://127.0.0.1:99999/"])
    func rejectsInvalidURLs(url: String) {
        expectHTTPError(url, { if case .invalidURL = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", url, timeout: .milliseconds(100))
        }
    }

    @Test func parsesLoopbackURLs() throws {
        let plain = try LoopbackURL(parsing: "http://localhost:2379")
        #expect(plain.host == Socket.loopbackHostOrder)
        #expect(plain.port == 2379)
        #expect(plain.pathAndQuery == "/")
        let full = try LoopbackURL(parsing: "HTTP://127.1.2.3/v2/keys/a?wait=true&recursive=true#frag")
        #expect(full.host == 0x7F01_0203)
        #expect(full.port == 80)
        #expect(full.authority == "127.1.2.3")
        #expect(full.pathAndQuery == "/v2/keys/a?wait=true&recursive=true")
        #expect(try LoopbackURL(parsing: "http://127.0.0.1:1?x=1").pathAndQuery == "/?x=1")
    }

    @Test func connectionRefusedIsConnectFailed() throws {
        let port = try FreePort.allocate()
        expectHTTPError("refused", { if case .connectFailed = $0 { true } else { false } }) {
            try LoopbackHTTP.blockingRequest("GET", "http://127.0.0.1:\(port)/health", timeout: .milliseconds(500))
        }
    }

    @Test func decodesChunkedResponses() throws {
        let chunked = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
        let server = try LoopbackServer(.respond(status: 200, headers: ["Transfer-Encoding": "chunked"], body: chunked))
        defer { server.shutdown() }
        let reply = try LoopbackHTTP.blockingRequest("GET", server.url + "/")
        #expect(reply.status == 200)
        #expect(reply.body == "hello world")
        #expect(reply.headers["content-length"] == nil)
    }

    @Test func readsToEndWithoutFraming() throws {
        let reply = try replyFromRawBytes("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\n\r\nuntil the end")
        #expect(reply.status == 200)
        #expect(reply.body == "until the end")
        #expect(reply.headers["x-a"] == "1, 2")
    }

    @Test func skipsInterimResponses() throws {
        let reply = try replyFromRawBytes(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 204 No Content\r\nX: y\r\n\r\n")
        #expect(reply.status == 204)
        #expect(reply.body == "")
        #expect(reply.headers == ["x": "y"])
    }

    @Test func sendsBodiesWithLength() throws {
        let target = try LoopbackURL(parsing: "http://127.0.0.1:2379/v2/keys/foo")
        let put = String(decoding: LoopbackHTTP.encodeRequest(
            method: "PUT", target: target, body: "value=bar", contentType: "application/x-www-form-urlencoded"), as: UTF8.self)
        #expect(put.hasPrefix("PUT /v2/keys/foo HTTP/1.1\r\nHost: 127.0.0.1:2379\r\n"))
        #expect(put.contains("Connection: close\r\n"))
        #expect(put.contains("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nvalue=bar"))
        let post = String(decoding: LoopbackHTTP.encodeRequest(
            method: "POST", target: target, body: nil, contentType: "x"), as: UTF8.self)
        #expect(post.hasSuffix("Content-Length: 0\r\n\r\n"))
    }

    /// Feeds `text` through a socket pair (then closes the writing end) into the response reader.
    private func replyFromRawBytes(_ text: String) throws -> HTTPReply {
        var fds: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]) }
        #expect(Socket.sendAll(fds[1], text))
        close(fds[1])
        return try LoopbackHTTP.readResponse(WireReader(fd: fds[0], deadline: .now + .seconds(2)), method: "GET")
    }
}
