import Glibc

/// One request's start line and headers, as read by a ``ServerConnection``.
struct RequestHead {
    var method: String
    var target: String
    var version: String
    /// Lowercased header names.
    var headers: [String: String]

    /// Whether the client asked to close the connection after this exchange.
    var wantsClose: Bool {
        if HTTPHeaders.contains(headers, "connection", token: "close") { return true }
        return version == "HTTP/1.0" && !HTTPHeaders.contains(headers, "connection", token: "keep-alive")
    }

    /// Whether the client waits for `100 Continue` before sending a body.
    var expectsContinue: Bool {
        HTTPHeaders.contains(headers, "expect", token: "100-continue") && hasBody
    }

    /// Whether a body follows the headers.
    var hasBody: Bool {
        if HTTPHeaders.contains(headers, "transfer-encoding", token: "chunked") { return true }
        return (headers["content-length"].flatMap { Int($0) } ?? 0) > 0
    }
}

/// The server side of one accepted connection: reads requests, writes responses.
/// Used only on the connection's own thread.
struct ServerConnection {
    let fd: Int32
    let core: LoopbackServerCore
    let reader: WireReader

    init(fd: Int32, core: LoopbackServerCore) {
        self.fd = fd
        self.core = core
        self.reader = WireReader(fd: fd)
    }

    /// Reads a request's start line and headers and counts the request;
    /// `nil` if the client closed the connection cleanly before sending one.
    func readHead() throws -> RequestHead? {
        guard let lines = try reader.readHeaderBlock() else { return nil }
        let parts = lines[0].split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/") else {
            throw LoopbackHTTPError.malformed("bad request line \(lines[0].debugDescription)")
        }
        let headers = try HTTPHeaders.parse(lines.dropFirst())
        let head = RequestHead(method: String(parts[0]), target: String(parts[1]), version: String(parts[2]), headers: headers)
        core.noteRequest(head)
        return head
    }

    /// Reads (and discards) the body announced by `head`.
    func readBody(of head: RequestHead) throws {
        if HTTPHeaders.contains(head.headers, "transfer-encoding", token: "chunked") {
            _ = try reader.readChunkedBody()
        } else if let text = head.headers["content-length"] {
            guard let length = Int(text), length >= 0 else {
                throw LoopbackHTTPError.malformed("bad Content-Length \(text.debugDescription)")
            }
            _ = try reader.readExact(length)
        }
    }

    /// Reads a whole request; sends `100 Continue` first when the client expects it and
    /// `answeringContinue` is set. `nil` at a clean end of the connection.
    func readRequest(answeringContinue: Bool) throws -> RequestHead? {
        guard let head = try readHead() else { return nil }
        if answeringContinue && head.expectsContinue {
            guard send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else {
                throw LoopbackHTTPError.connectionClosed("client gone before 100 Continue")
            }
        }
        try readBody(of: head)
        return head
    }

    /// Reads requests until the client closes or sends something unreadable; then
    /// discards any further bytes until end of stream. Never answers.
    func drainQuietly() {
        do {
            while try readRequest(answeringContinue: false) != nil {}
        } catch {
            reader.discardUntilEnd()
        }
    }

    /// Sends a complete response to `request`. Returns `false` when the connection
    /// must not be used again (send failed, or the client asked to close).
    func respond(to request: RequestHead, status: Int, headers: [String: String], body: String) -> Bool {
        let bodyBytes = Array(body.utf8)
        let bodyAllowed = status >= 200 && status != 204 && status != 304
        var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            head += "\(name): \(value)\r\n"
        }
        let lowercasedNames = Set(headers.keys.map { $0.lowercased() })
        if bodyAllowed && !lowercasedNames.contains("content-length") && !lowercasedNames.contains("transfer-encoding") {
            head += "Content-Length: \(bodyBytes.count)\r\n"
        }
        if request.wantsClose && !lowercasedNames.contains("connection") {
            head += "Connection: close\r\n"
        }
        head += "\r\n"
        let includeBody = bodyAllowed && request.method.uppercased() != "HEAD"
        guard send(Array(head.utf8) + (includeBody ? bodyBytes : [])) else { return false }
        return !request.wantsClose
    }

    /// Sends bytes; `false` once the client is gone or the server shuts down.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        Socket.sendAll(fd, bytes)
    }

    /// Half-closes the sending side so the client sees end of stream after the data.
    func finishSending() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// The standard reason phrase for common codes; `"Status"` otherwise.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
