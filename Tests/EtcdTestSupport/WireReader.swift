import Glibc

/// Buffered reads of HTTP/1.1 framing (lines, header blocks, fixed-length, chunked and
/// read-to-EOF bodies) from one blocking socket. Shared by ``LoopbackHTTP`` (reading
/// responses) and ``LoopbackServer`` (reading requests). Not thread-safe: one owner.
final class WireReader {
    /// Largest header block accepted, to bound memory on garbage input.
    static let maxHeaderBytes = 64 * 1024

    private let fd: Int32
    /// When set, each `recv` gets `SO_RCVTIMEO` = time left, and running out throws.
    private let deadline: ContinuousClock.Instant?
    private var buffer: [UInt8] = []
    private var start = 0

    init(fd: Int32, deadline: ContinuousClock.Instant? = nil) {
        self.fd = fd
        self.deadline = deadline
    }

    /// Bytes received but not consumed yet.
    private var available: Int { buffer.count - start }

    /// Receives more bytes into the buffer; `false` at end of stream.
    private func fill() throws -> Bool {
        if let deadline {
            let remaining = deadline - .now
            guard remaining > .zero else { throw LoopbackHTTPError.timedOut("no complete response in time") }
            Socket.setTimeout(fd, option: SO_RCVTIMEO, remaining)
        }
        if start > 0 && (start == buffer.count || start > 65_536) {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                throw LoopbackHTTPError.timedOut("no complete response in time")
            }
            throw LoopbackHTTPError.io("recv: \(Socket.describe(errno: code))")
        }
    }

    /// Reads one CRLF- (or LF-) terminated line without its terminator.
    /// Returns `nil` at a clean end of stream before any byte of the line.
    func readLine(limit: Int = maxHeaderBytes) throws -> String? {
        var scanned = start
        while true {
            if let newline = buffer[scanned..<buffer.count].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            guard available <= limit else { throw LoopbackHTTPError.malformed("line longer than \(limit) bytes") }
            scanned = buffer.count
            let oldStart = start
            guard try fill() else {
                if available == 0 { return nil }
                throw LoopbackHTTPError.connectionClosed("stream ended inside a line")
            }
            scanned -= oldStart - start  // fill() may have compacted the buffer
        }
    }

    /// Reads lines up to the empty line that ends an HTTP header block, skipping empty
    /// lines before the first one. Returns `nil` at a clean end of stream before it.
    func readHeaderBlock() throws -> [String]? {
        var lines: [String] = []
        var total = 0
        while true {
            guard let line = try readLine() else {
                if lines.isEmpty { return nil }
                throw LoopbackHTTPError.connectionClosed("stream ended inside the header block")
            }
            if line.isEmpty {
                if lines.isEmpty { continue }
                return lines
            }
            total += line.utf8.count + 2
            guard total <= Self.maxHeaderBytes else { throw LoopbackHTTPError.malformed("header block too large") }
            lines.append(line)
        }
    }

    /// Reads exactly `count` bytes.
    func readExact(_ count: Int) throws -> [UInt8] {
        while available < count {
            guard try fill() else {
                throw LoopbackHTTPError.connectionClosed("stream ended after \(available) of \(count) body bytes")
            }
        }
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        return bytes
    }

    /// Reads until the peer closes.
    func readToEnd(limit: Int = 256 * 1024 * 1024) throws -> [UInt8] {
        while try fill() {
            guard available <= limit else { throw LoopbackHTTPError.malformed("body larger than \(limit) bytes") }
        }
        let bytes = Array(buffer[start..<buffer.count])
        start = buffer.count
        return bytes
    }

    /// Reads and throws away everything until end of stream or an error.
    func discardUntilEnd() {
        start = buffer.count
        while (try? fill()) == true {
            start = buffer.count
        }
    }

    /// Reads a `Transfer-Encoding: chunked` body, including trailers.
    func readChunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            guard let sizeLine = try readLine() else {
                throw LoopbackHTTPError.connectionClosed("stream ended before a chunk size")
            }
            let digits = sizeLine.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(digits.trimmingWhitespace(), radix: 16), size >= 0 else {
                throw LoopbackHTTPError.malformed("bad chunk size line \(sizeLine.debugDescription)")
            }
            if size == 0 {
                while let trailer = try readLine(), !trailer.isEmpty {}
                return body
            }
            body += try readExact(size)
            guard try readLine() == "" else { throw LoopbackHTTPError.malformed("chunk not followed by CRLF") }
        }
    }
}

/// Parsing helpers shared by the request and response readers.
enum HTTPHeaders {
    /// Parses `Name: value` lines into a dictionary keyed by lowercased name;
    /// repeated names are joined with ", ".
    static func parse(_ lines: some Sequence<String>) throws -> [String: String] {
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw LoopbackHTTPError.malformed("header line without colon: \(line.debugDescription)")
            }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            if let existing = headers[name] {
                headers[name] = existing + ", " + value
            } else {
                headers[name] = value
            }
        }
        return headers
    }

    /// Whether a header's comma-separated values contain `token` (case-insensitive).
    static func contains(_ headers: [String: String], _ name: String, token: String) -> Bool {
        guard let value = headers[name] else { return false }
        return value.split(separator: ",").contains { $0.trimmingWhitespace().lowercased() == token }
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
