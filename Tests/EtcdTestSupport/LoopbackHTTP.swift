import Glibc

/// A complete HTTP response as read by ``LoopbackHTTP``.
public struct HTTPReply: Sendable, Equatable {
    /// The final (non-1xx) status code.
    public var status: Int
    /// Response headers keyed by lowercased name; repeated headers joined with ", ".
    public var headers: [String: String]
    /// The body decoded as UTF-8 (invalid bytes replaced), de-chunked.
    public var body: String

    /// Creates a reply; mostly useful for comparisons in tests.
    public init(status: Int, headers: [String: String], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a ``LoopbackHTTP`` request failed.
public enum LoopbackHTTPError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The URL is not `http://host[:port][/path]`.
    case invalidURL(String)
    /// The host is not `localhost` or a `127.x.x.x` address.
    case notLoopback(String)
    /// The TCP connection could not be made (e.g. connection refused).
    case connectFailed(String)
    /// The whole exchange did not finish within the timeout.
    case timedOut(String)
    /// The peer closed the connection before a complete response.
    case connectionClosed(String)
    /// The bytes received are not a valid HTTP/1.1 response.
    case malformed(String)
    /// Another socket error (e.g. connection reset).
    case io(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .invalidURL(let detail): "invalid URL: \(detail)"
        case .notLoopback(let detail): "refusing non-loopback host: \(detail)"
        case .connectFailed(let detail): "connect failed: \(detail)"
        case .timedOut(let detail): "timed out: \(detail)"
        case .connectionClosed(let detail): "connection closed: \(detail)"
        case .malformed(let detail): "malformed HTTP: \(detail)"
        case .io(let detail): "I/O error: \(detail)"
        }
    }
}

/// A tiny blocking HTTP/1.1 client for loopback addresses only, independent of the
/// library under test: for health checks, and for tests that set up or inspect etcd
/// state on their own (etcd v2: `PUT /v2/keys/foo` with body `value=bar`).
///
/// Each request uses a fresh connection with `Connection: close`. Responses may be
/// framed by `Content-Length`, `Transfer-Encoding: chunked`, or end of stream; interim
/// 1xx responses are skipped.
public enum LoopbackHTTP {
    /// The same request from async code: the blocking exchange runs on a dispatch thread, so it
    /// never holds one of the few threads of Swift's cooperative pool (which would stall every
    /// other test running in parallel).
    public static func request(
        _ method: String,
        _ url: String,
        body: String? = nil,
        contentType: String = "application/x-www-form-urlencoded",
        timeout: Duration = .seconds(5)
    ) async throws -> HTTPReply {
        try await Blocking.run {
            try blockingRequest(method, url, body: body, contentType: contentType, timeout: timeout)
        }
    }

    /// Performs one request and returns the final response.
    ///
    /// - Parameters:
    ///   - method: The request method, e.g. `"GET"` or `"PUT"`.
    ///   - url: `http://127.x.x.x[:port]/path?query` or `http://localhost[:port]/...`.
    ///   - body: The request body; sent with `Content-Type` and `Content-Length`.
    ///   - contentType: The body's media type.
    ///   - timeout: Limit for the whole exchange (connect, send, and reading the response).
    /// - Throws: ``LoopbackHTTPError``.
    public static func blockingRequest(
        _ method: String,
        _ url: String,
        body: String? = nil,
        contentType: String = "application/x-www-form-urlencoded",
        timeout: Duration = .seconds(5)
    ) throws -> HTTPReply {
        let target = try LoopbackURL(parsing: url)
        let deadline = ContinuousClock.now + timeout
        let fd: Int32
        do {
            fd = try Socket.makeTCP()
        } catch {
            throw LoopbackHTTPError.io("\(error)")
        }
        defer { close(fd) }
        Socket.setTimeout(fd, option: SO_SNDTIMEO, timeout)
        do {
            try Socket.connect(fd, host: target.host, port: target.port)
        } catch {
            throw LoopbackHTTPError.connectFailed("\(target.authority): \(error)")
        }
        let request = encodeRequest(method: method, target: target, body: body, contentType: contentType)
        guard Socket.sendAll(fd, request) else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { throw LoopbackHTTPError.timedOut("sending the request") }
            throw LoopbackHTTPError.io("send: \(Socket.describe(errno: code))")
        }
        return try readResponse(WireReader(fd: fd, deadline: deadline), method: method)
    }

    /// The request bytes: request line, `Host`, `Connection: close`, and body framing.
    static func encodeRequest(method: String, target: LoopbackURL, body: String?, contentType: String) -> [UInt8] {
        var head = "\(method) \(target.pathAndQuery) HTTP/1.1\r\n"
        head += "Host: \(target.authority)\r\n"
        head += "User-Agent: EtcdTestSupport-LoopbackHTTP\r\n"
        head += "Accept: */*\r\n"
        head += "Connection: close\r\n"
        let bodyBytes = Array((body ?? "").utf8)
        if body != nil {
            head += "Content-Type: \(contentType)\r\n"
            head += "Content-Length: \(bodyBytes.count)\r\n"
        } else if ["POST", "PUT", "PATCH"].contains(method.uppercased()) {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + bodyBytes
    }

    /// Reads status line, headers and body, skipping interim 1xx responses.
    static func readResponse(_ reader: WireReader, method: String) throws -> HTTPReply {
        while true {
            guard let lines = try reader.readHeaderBlock() else {
                throw LoopbackHTTPError.connectionClosed("no response before the connection closed")
            }
            let status = try parseStatusLine(lines[0])
            let headers = try HTTPHeaders.parse(lines.dropFirst())
            if (100..<200).contains(status) && status != 101 { continue }
            let bytes = try readBody(reader, status: status, method: method, headers: headers)
            return HTTPReply(status: status, headers: headers, body: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Parses `HTTP/1.x NNN reason` into the status code.
    static func parseStatusLine(_ line: String) throws -> Int {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw LoopbackHTTPError.malformed("bad status line \(String(line.prefix(80)).debugDescription)")
        }
        return status
    }

    /// Reads the body per RFC 9112 §6.3: none for HEAD/1xx/204/304, chunked,
    /// Content-Length, or until the peer closes.
    static func readBody(_ reader: WireReader, status: Int, method: String, headers: [String: String]) throws -> [UInt8] {
        if method.uppercased() == "HEAD" || status == 204 || status == 304 || status < 200 { return [] }
        if HTTPHeaders.contains(headers, "transfer-encoding", token: "chunked") {
            return try reader.readChunkedBody()
        }
        if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else {
                throw LoopbackHTTPError.malformed("bad Content-Length \(lengthText.debugDescription)")
            }
            return try reader.readExact(length)
        }
        return try reader.readToEnd()
    }
}
