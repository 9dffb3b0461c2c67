extension LoopbackServer {
    /// What a ``LoopbackServer`` does with each accepted connection.
    ///
    /// "Reading the request" means reading the header block and then the body
    /// (`Content-Length` or chunked). Behaviors that answer also answer an
    /// `Expect: 100-continue` with an interim `100 Continue` before reading the body.
    public enum Behavior: Sendable {
        /// Accept, read whatever arrives, never answer; the socket stays open until
        /// ``LoopbackServer/shutdown()``.
        case blackHole
        /// Read the request, wait, then send a complete `200` with this JSON body.
        /// The connection stays open for further requests.
        case delayedHeaders(Duration, body: String)
        /// Read the request headers, send `HTTP/1.1 100 Continue` at once, read the
        /// body, wait, then send a complete `200` with body `{}`.
        case interimThenDelayed(Duration)
        /// Read the request, send non-HTTP bytes, close.
        case garbage
        /// Read the request, send `200` with `Content-Length: 100` but only 10 body bytes, close.
        case truncatedBody
        /// Read the request, send `200` with `Content-Length: bytes` and stream that many
        /// `x` in 64 KiB chunks; stop quietly if the client goes away.
        case hugeBody(bytes: Int)
        /// Accept and close at once, reading nothing.
        case closeOnAccept
        /// Read the request headers, then close without answering.
        case closeAfterRequest
        /// Read the request, send `200` headers at once with `Content-Length: chunks`,
        /// then one `x` per `interval`.
        case slowBody(chunks: Int, interval: Duration)
        /// A canned HTTP/1.1 response to every request; keep-alive, any number of
        /// requests per connection. `Content-Length` is added unless `headers` has one.
        case respond(status: Int, headers: [String: String], body: String)
        /// As ``respond(status:headers:body:)``, but on each connection only the first request
        /// is answered: the second is read and the connection closed without an answer, as a
        /// server does that closes a kept-alive connection just as the client reuses it.
        case respondOncePerConnection(status: Int, headers: [String: String], body: String)
    }
}

extension LoopbackServerCore {
    /// Runs ``behavior`` on one accepted connection; returns when the connection is done.
    /// The caller closes the socket.
    func serve(fd: Int32) {
        let connection = ServerConnection(fd: fd, core: self)
        do {
            try run(behavior, on: connection)
        } catch {
            // The peer went away or sent something unreadable: just close.
        }
    }

    private func run(_ behavior: LoopbackServer.Behavior, on connection: ServerConnection) throws {
        switch behavior {
        case .closeOnAccept:
            return
        case .blackHole:
            connection.drainQuietly()
            waitForShutdown()
        case .closeAfterRequest:
            _ = try connection.readHead()
        case .garbage:
            guard try connection.readRequest(answeringContinue: false) != nil else { return }
            var bytes = Array("garbage\r\n\r\n".utf8)
            bytes += [0x00, 0xFF, 0xFE, 0x7F, 0x80, 0x1B, 0x0D, 0x00, 0xC3, 0x28, 0xA0, 0xA1]
            connection.send(bytes)
            connection.finishSending()
        case .truncatedBody:
            guard try connection.readRequest(answeringContinue: true) != nil else { return }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            connection.send(Array(head.utf8) + Array("{\"truncate".utf8))  // 10 of 100 bytes
            connection.finishSending()
        case .hugeBody(let total):
            guard try connection.readRequest(answeringContinue: true) != nil else { return }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(total)\r\n\r\n"
            guard connection.send(Array(head.utf8)) else { return }
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var remaining = max(total, 0)
            while remaining > 0 {
                let size = min(remaining, chunk.count)
                guard connection.send(size == chunk.count ? chunk : Array(chunk[0..<size])) else { return }
                remaining -= size
            }
            connection.finishSending()
        case .slowBody(let chunks, let interval):
            guard try connection.readRequest(answeringContinue: true) != nil else { return }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(max(chunks, 0))\r\n\r\n"
            guard connection.send(Array(head.utf8)) else { return }
            for _ in 0..<max(chunks, 0) {
                guard sleep(for: interval), connection.send([UInt8(ascii: "x")]) else { return }
            }
            connection.finishSending()
        case .delayedHeaders(let delay, let body):
            while let request = try connection.readRequest(answeringContinue: true) {
                guard sleep(for: delay) else { return }
                let headers = ["Content-Type": "application/json"]
                guard connection.respond(to: request, status: 200, headers: headers, body: body) else { return }
            }
        case .interimThenDelayed(let delay):
            while let request = try connection.readHead() {
                guard connection.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
                try connection.readBody(of: request)
                guard sleep(for: delay) else { return }
                let headers = ["Content-Type": "application/json"]
                guard connection.respond(to: request, status: 200, headers: headers, body: "{}") else { return }
            }
        case .respond(let status, let headers, let body):
            while let request = try connection.readRequest(answeringContinue: true) {
                guard connection.respond(to: request, status: status, headers: headers, body: body) else { return }
            }
        case .respondOncePerConnection(let status, let headers, let body):
            guard let request = try connection.readRequest(answeringContinue: true),
                connection.respond(to: request, status: status, headers: headers, body: body)
            else { return }
            _ = try connection.readHead()
        }
    }
}
