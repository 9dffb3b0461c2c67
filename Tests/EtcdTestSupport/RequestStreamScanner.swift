/// The parts of one HTTP request head that ``PeerProxy`` decides on.
struct PeerRequestHead: Sendable, Equatable {
    /// `GET`, `POST`, …
    var method: String
    /// The request target, e.g. `/raft/stream/message/8e9e05c52164694d`.
    var target: String
    /// The `X-Server-From` header (name matched case-insensitively): the sending etcd
    /// member's ID in hex, which rafthttp puts on every stream dial and raft POST, but not
    /// on `/raft/probing` or `/version` requests.
    var serverFrom: String?
}

/// Follows the client-to-server half of an HTTP/1.1 connection and splits it into request
/// heads, which are held back until complete so the proxy can decide on them, and
/// everything else (bodies, chunk framing), which is passed on as it arrives.
///
/// Every request of a keep-alive connection is looked at, not only the first: etcd's
/// rafthttp sends `/raft/probing` (no `X-Server-From`) and raft POSTs (with it) over the
/// same pooled connections. Bodies are framed per RFC 9112 §6.3: `Transfer-Encoding:
/// chunked` (snapshots), `Content-Length` (raft messages), or none.
///
/// Pure: no I/O, table-tested in `RequestStreamScannerTests`.
struct RequestStreamScanner {
    /// One piece of output, in stream order.
    enum Piece: Equatable {
        /// A complete request head and its exact bytes (up to and including the blank line).
        case head(PeerRequestHead, bytes: [UInt8])
        /// Bytes after a head (body or chunk framing) to forward unchanged.
        case passThrough([UInt8])
    }

    /// Largest request head accepted; etcd's are well under 1 KiB.
    static let maxHeadBytes = 64 * 1024
    /// Largest chunk-size or trailer line accepted.
    static let maxLineBytes = 4096

    private enum Phase: Equatable {
        case head
        case fixedBody(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data.
        case chunkDataEnd(remaining: Int)
        case trailerLine
    }

    private var phase = Phase.head
    /// The head collected so far, or the current chunk-size/trailer line.
    private var pending: [UInt8] = []

    /// Whether the stream is between requests (nothing of a next request seen yet).
    var isBetweenRequests: Bool { phase == .head && pending.isEmpty }

    /// Consumes the next bytes of the stream.
    ///
    /// - Throws: ``LoopbackHTTPError/malformed(_:)`` for bytes that are not an HTTP/1.1
    ///   request stream (bad request line or framing, a head or line over the limits);
    ///   the connection should then be closed.
    mutating func consume(_ input: some Collection<UInt8>) throws -> [Piece] {
        var pieces: [Piece] = []
        var forward: [UInt8] = []
        func flush() {
            if !forward.isEmpty { pieces.append(.passThrough(forward)) }
            forward = []
        }
        var index = input.startIndex
        /// Passes on up to `remaining` bytes; returns how many are still to come.
        func passOn(_ remaining: Int) -> Int {
            let end = input.index(index, offsetBy: remaining, limitedBy: input.endIndex) ?? input.endIndex
            forward.append(contentsOf: input[index..<end])
            defer { index = end }
            return remaining - input.distance(from: index, to: end)
        }
        while index != input.endIndex {
            switch phase {
            case .head:
                let byte = input[index]
                index = input.index(after: index)
                pending.append(byte)
                guard pending.count <= Self.maxHeadBytes else {
                    throw LoopbackHTTPError.malformed("request head over \(Self.maxHeadBytes) bytes")
                }
                guard byte == UInt8(ascii: "\n"), let head = try completeHead() else { continue }
                flush()
                pieces.append(.head(head.head, bytes: pending))
                pending = []
                phase = head.next
            case .fixedBody(let remaining):
                let left = passOn(remaining)
                phase = left == 0 ? .head : .fixedBody(remaining: left)
            case .chunkData(let remaining):
                let left = passOn(remaining)
                phase = left == 0 ? .chunkDataEnd(remaining: 2) : .chunkData(remaining: left)
            case .chunkDataEnd(let remaining):
                let byte = input[index]
                index = input.index(after: index)
                forward.append(byte)
                let expected = remaining == 2 ? UInt8(ascii: "\r") : UInt8(ascii: "\n")
                guard byte == expected else { throw LoopbackHTTPError.malformed("chunk data not followed by CRLF") }
                phase = remaining == 2 ? .chunkDataEnd(remaining: 1) : .chunkSizeLine
            case .chunkSizeLine, .trailerLine:
                let byte = input[index]
                index = input.index(after: index)
                forward.append(byte)
                guard byte == UInt8(ascii: "\n") else {
                    pending.append(byte)
                    guard pending.count <= Self.maxLineBytes else {
                        throw LoopbackHTTPError.malformed("chunk-size or trailer line over \(Self.maxLineBytes) bytes")
                    }
                    continue
                }
                let content = pending.last == UInt8(ascii: "\r") ? pending.dropLast() : pending[...]
                let line = String(decoding: content, as: UTF8.self)
                pending = []
                phase = try nextPhase(afterLine: line)
            }
        }
        flush()
        return pieces
    }

    /// After a chunk-size line: its data, or the trailers for the last chunk. After a
    /// trailer line: more trailers, or the next request once the blank line came.
    private func nextPhase(afterLine line: String) throws -> Phase {
        if phase == .trailerLine { return line.isEmpty ? .head : .trailerLine }
        let digits = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let size = Int(digits.trimmingWhitespace(), radix: 16), size >= 0 else {
            throw LoopbackHTTPError.malformed("bad chunk size line \(line.debugDescription)")
        }
        return size == 0 ? .trailerLine : .chunkData(remaining: size)
    }

    /// The parsed head and the phase after it, once `pending` ends with a blank line.
    private mutating func completeHead() throws -> (head: PeerRequestHead, next: Phase)? {
        // Blank lines before a request line are ignored (RFC 9112 §2.2).
        if pending == [UInt8(ascii: "\r"), UInt8(ascii: "\n")] || pending == [UInt8(ascii: "\n")] {
            pending = []
            return nil
        }
        guard pending.count >= 4 && pending.suffix(4).elementsEqual("\r\n\r\n".utf8) else { return nil }
        return try Self.parse(head: pending.dropLast(4))
    }

    /// Parses a head without its final blank line.
    private static func parse(head bytes: ArraySlice<UInt8>) throws -> (head: PeerRequestHead, next: Phase) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let requestLine = lines.first else { throw LoopbackHTTPError.malformed("empty request head") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].allSatisfy({ $0.isLetter }), !parts[0].isEmpty, parts[2].hasPrefix("HTTP/1.")
        else {
            throw LoopbackHTTPError.malformed("bad request line \(String(requestLine.prefix(80)).debugDescription)")
        }
        let headers = try HTTPHeaders.parse(lines.dropFirst().map(String.init))
        let head = PeerRequestHead(
            method: String(parts[0]), target: String(parts[1]), serverFrom: headers["x-server-from"])
        return (head, try bodyPhase(headers))
    }

    /// How the body is framed: chunked, a fixed length, or no body.
    private static func bodyPhase(_ headers: [String: String]) throws -> Phase {
        if let codings = headers["transfer-encoding"] {
            let last = codings.split(separator: ",").last.map { $0.trimmingWhitespace().lowercased() }
            guard last == "chunked" else {
                throw LoopbackHTTPError.malformed("request coding \(codings.debugDescription) is not chunked")
            }
            return .chunkSizeLine
        }
        guard let text = headers["content-length"] else { return .head }
        // A repeated header arrives joined as "5, 5"; the values must agree.
        let values = Set(text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() })
        guard values.count == 1, let value = values.first, value.allSatisfy({ ("0"..."9").contains($0) }),
            let length = Int(value), length >= 0
        else { throw LoopbackHTTPError.malformed("bad Content-Length \(text.debugDescription)") }
        return length == 0 ? .head : .fixedBody(remaining: length)
    }
}
