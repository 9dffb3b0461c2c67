import Glibc

/// Reads one HTTP/1.1 response off a byte stream, as it arrives in pieces of any size: the
/// status line and fields (through ``HeaderBlockParser``, so interim 1xx blocks are skipped as
/// on the libcurl path), then the body as `Content-Length`, `chunked` or "until the server
/// closes" framing says.
///
/// The reader of the direct path (``DirectRoute``), which serves `GET`s without a libcurl
/// handle. It keeps only what it must between two reads: a partial line, and the body. Pure value
/// type: no I/O, table-tested (`HTTPResponseReaderTests`).
struct HTTPResponseReader {
    /// How far the response has come.
    enum Progress: Equatable {
        /// The response is not complete yet.
        case needMore
        /// The whole response has arrived.
        case complete
        /// The bytes are not an acceptable HTTP/1.1 response.
        case failed(TransportError.Kind, String)
    }

    private enum Stage: Equatable {
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    /// The status and fields of the final header block.
    private(set) var parser = HeaderBlockParser()
    private(set) var body: [UInt8] = []
    /// Whether the connection may carry another request once the response is complete:
    /// HTTP/1.1, no `Connection: close`, a framed body, and nothing after the response.
    private(set) var isReusable = true
    /// Whether any byte of a response arrived.
    private(set) var receivedBytes = false
    private var stage = Stage.headers
    /// The start of a line whose end has not arrived yet.
    private var partialLine: [UInt8] = []
    let maxBodyBytes: Int
    /// libcurl's limit for one header line (`CURL_MAX_HTTP_HEADER`), here for every line.
    static let maxLineBytes = 100 << 10

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    var isComplete: Bool { stage == .done }

    /// Takes the next bytes of the stream.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Progress {
        if !bytes.isEmpty { receivedBytes = true }
        var offset = 0
        while offset < bytes.count {
            switch stage {
            case .headers, .chunkSize, .chunkEnd, .trailers:
                guard let base = bytes.baseAddress,
                    let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset)
                else {
                    guard partialLine.count + bytes.count - offset <= Self.maxLineBytes else {
                        return .failed(.malformedResponse, "a response line longer than \(Self.maxLineBytes) bytes")
                    }
                    partialLine.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                    return .needMore
                }
                let end = base.distance(to: UnsafeRawPointer(found)) + 1
                let piece = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
                offset = end
                let progress: Progress
                if partialLine.isEmpty {
                    progress = line(piece)
                } else {
                    partialLine.append(contentsOf: piece)
                    let whole = partialLine
                    partialLine.removeAll()
                    progress = whole.withUnsafeBytes { line($0) }
                }
                if case .failed = progress { return progress }
            case .body(let remaining), .chunkData(let remaining):
                let count = min(remaining, bytes.count - offset)
                if let failure = appendBody(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])) {
                    return failure
                }
                offset += count
                let isChunk = stage != .body(remaining: remaining)
                switch (isChunk, remaining == count) {
                case (false, true): stage = .done
                case (false, false): stage = .body(remaining: remaining - count)
                case (true, true): stage = .chunkEnd
                case (true, false): stage = .chunkData(remaining: remaining - count)
                }
            case .untilClose:
                if let failure = appendBody(UnsafeRawBufferPointer(rebasing: bytes[offset...])) { return failure }
                offset = bytes.count
            case .done:
                // Bytes after the response: nothing was asked for them, so the connection is
                // not trusted with another request.
                isReusable = false
                return .complete
            }
        }
        return stage == .done ? .complete : .needMore
    }

    /// The server closed the connection (a read returned 0).
    mutating func endOfStream() -> Progress {
        isReusable = false
        switch stage {
        case .done:
            return .complete
        case .untilClose:
            stage = .done
            return .complete
        default:
            return .failed(
                .connectionClosed,
                receivedBytes
                    ? "the connection closed before the response was complete"
                    : "the connection closed without a response")
        }
    }

    // MARK: Lines

    private mutating func line(_ raw: UnsafeRawBufferPointer) -> Progress {
        switch stage {
        case .headers:
            if raw.count >= 8, raw.starts(with: "HTTP/1.0".utf8) { isReusable = false }
            switch parser.consume(line: raw) {
            case .none: return .needMore
            case .malformed: return .failed(.malformedResponse, "malformed HTTP header line")
            case .finalHeadersComplete: return headersComplete()
            }
        case .chunkSize:
            guard let size = Self.chunkSize(raw) else {
                return .failed(.malformedResponse, "malformed chunk size line")
            }
            stage = size == 0 ? .trailers : .chunkData(remaining: size)
            return .needMore
        case .chunkEnd:
            guard Self.isBlank(raw) else { return .failed(.malformedResponse, "a chunk not followed by CR LF") }
            stage = .chunkSize
            return .needMore
        case .trailers:
            if Self.isBlank(raw) { stage = .done }
            return .needMore
        default:
            return .needMore
        }
    }

    /// Decides the body's framing from the final header block.
    private mutating func headersComplete() -> Progress {
        let headers = parser.headers
        if headers.firstValue(named: "Connection")?.withUnsafeBytes({ Self.containsToken("close", in: $0) }) == true {
            isReusable = false
        }
        let status = parser.status ?? 0
        if status == 204 || status == 304 {
            stage = .done
            return .complete
        }
        if headers.firstValue(named: "Transfer-Encoding")?.withUnsafeBytes({ Self.containsToken("chunked", in: $0) }) == true {
            stage = .chunkSize
            return .needMore
        }
        if parser.hasContentLength {
            guard let length = parser.contentLength else { return .failed(.malformedResponse, "malformed Content-Length") }
            guard length <= maxBodyBytes else {
                return .failed(.responseTooLarge, "Content-Length \(length) exceeds the cap of \(maxBodyBytes) bytes")
            }
            body.reserveCapacity(length)
            stage = length == 0 ? .done : .body(remaining: length)
            return length == 0 ? .complete : .needMore
        }
        isReusable = false
        stage = .untilClose
        return .needMore
    }

    private mutating func appendBody(_ bytes: UnsafeRawBufferPointer) -> Progress? {
        guard body.count + bytes.count <= maxBodyBytes else {
            return .failed(.responseTooLarge, "response body exceeds the cap of \(maxBodyBytes) bytes")
        }
        body.append(contentsOf: bytes)
        return nil
    }

    // MARK: Pure helpers

    /// The size a chunk-size line (`1a3f`, `1a3f;ext=1`, with CR LF) announces; `nil` when it
    /// is not hex digits, or too large for an `Int`.
    static func chunkSize(_ line: UnsafeRawBufferPointer) -> Int? {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                return digits > 0 ? size : nil
            default: return nil
            }
            digits += 1
            guard digits <= 15 else { return nil }
            size = size << 4 | value
        }
        return digits > 0 ? size : nil
    }

    /// Whether `line` is only CR LF (or LF).
    private static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
    }

    /// Whether the comma-separated `value` holds `token` (ASCII case-insensitive).
    static func containsToken(_ token: StaticString, in value: UnsafeRawBufferPointer) -> Bool {
        let wanted = UnsafeRawBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount)
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            var from = start
            var to = end
            while from < to, value[from] == UInt8(ascii: " ") || value[from] == UInt8(ascii: "\t") { from += 1 }
            while to > from, value[to - 1] == UInt8(ascii: " ") || value[to - 1] == UInt8(ascii: "\t") { to -= 1 }
            if asciiCaseInsensitiveEquals(UnsafeRawBufferPointer(rebasing: value[from..<to]), wanted) { return true }
            start = end + 1
        }
        return false
    }
}
