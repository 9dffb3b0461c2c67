@testable import CurlTransport
import Testing

/// The direct long poll's response reader, fed whole and in every split.
struct HTTPResponseReaderTests {
    struct Outcome: Equatable {
        var progress: HTTPResponseReader.Progress
        var status: Int?
        var body: String
        var reusable: Bool
    }

    /// Feeds `wire` in pieces of `piece` bytes (0: all at once), then the end of the stream if
    /// `close`; stops at the first answer that is not "need more".
    private func read(_ wire: String, piece: Int = 0, close: Bool = false, maxBody: Int = 1 << 20) -> Outcome {
        var reader = HTTPResponseReader(maxBodyBytes: maxBody)
        let bytes = Array(wire.utf8)
        var progress = HTTPResponseReader.Progress.needMore
        var offset = 0
        let step = piece == 0 ? max(bytes.count, 1) : piece
        while offset < bytes.count, progress == .needMore {
            let end = min(offset + step, bytes.count)
            progress = bytes[offset..<end].withUnsafeBytes { reader.consume($0) }
            offset = end
        }
        if progress == .needMore, close { progress = reader.endOfStream() }
        return Outcome(
            progress: progress, status: reader.parser.status, body: String(decoding: reader.body, as: UTF8.self),
            reusable: reader.isReusable)
    }

    static let watchEvent = #"{"action":"set","node":{"key":"/w/k","value":"v","modifiedIndex":9,"createdIndex":9}}"#

    /// etcd's answer to a watch: headers flushed at once, the event later as one chunk.
    static let chunkedWatch =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Etcd-Index: 8\r\nTransfer-Encoding: chunked\r\n\r\n"
        + String(watchEvent.utf8.count + 1, radix: 16) + "\r\n" + watchEvent + "\n\r\n0\r\n\r\n"

    @Test(arguments: [0, 1, 2, 3, 7, 64])
    func aChunkedWatchAnswerInAnySplit(piece: Int) {
        let outcome = read(Self.chunkedWatch, piece: piece)
        #expect(outcome == Outcome(progress: .complete, status: 200, body: Self.watchEvent + "\n", reusable: true))
    }

    @Test(arguments: [0, 1, 5])
    func contentLengthBodies(piece: Int) {
        let wire = "HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nhello"
        #expect(read(wire, piece: piece) == Outcome(progress: .complete, status: 400, body: "hello", reusable: true))
    }

    @Test func interimBlocksChunkExtensionsAndTrailers() {
        let wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n"
            + "3;name=x\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n"
        #expect(read(wire, piece: 1) == Outcome(progress: .complete, status: 200, body: "abcde", reusable: true))
    }

    @Test func framingThatForbidsReuse() {
        // Until the server closes: complete only at the end of the stream.
        let untilClose = "HTTP/1.1 200 OK\r\n\r\npartial"
        #expect(read(untilClose) == Outcome(progress: .needMore, status: 200, body: "partial", reusable: false))
        #expect(read(untilClose, close: true) == Outcome(progress: .complete, status: 200, body: "partial", reusable: false))
        #expect(read("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n").reusable == false)
        #expect(read("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx").reusable == false)
        #expect(read("HTTP/1.1 204 No Content\r\n\r\n") == Outcome(progress: .complete, status: 204, body: "", reusable: true))
        // Bytes after the response.
        #expect(read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE").reusable == false)
    }

    @Test(arguments: [
        ("garbage\r\n\r\n", TransportError.Kind.malformedResponse),
        ("HTTP/1.1 2000 OK\r\n\r\n", .malformedResponse),
        ("HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", .malformedResponse),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformedResponse),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", .malformedResponse),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", .malformedResponse),
        ("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", .responseTooLarge),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n", .responseTooLarge),
        ("HTTP/1.1 200 OK\r\n\r\nhello world", .responseTooLarge),
    ])
    func refusedResponses(wire: String, kind: TransportError.Kind) {
        for piece in [0, 1] {
            guard case .failed(let found, _) = read(wire, piece: piece, maxBody: 10).progress else {
                Issue.record("accepted \(wire.debugDescription) in pieces of \(piece)")
                continue
            }
            #expect(found == kind, "\(wire.debugDescription)")
        }
    }

    @Test func anEndOfStreamBeforeTheEndIsAClosedConnection() {
        #expect(read("", close: true).progress == .failed(.connectionClosed, "the connection closed without a response"))
        let cases = [
            "HTTP/1.1 200 OK\r\nContent-Le",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        ]
        for wire in cases {
            #expect(
                read(wire, close: true).progress
                    == .failed(.connectionClosed, "the connection closed before the response was complete"))
        }
    }

    @Test func anOverlongLineIsRefused() {
        let wire = "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: HTTPResponseReader.maxLineBytes)
        guard case .failed(.malformedResponse, _) = read(wire, piece: 4096).progress else {
            Issue.record("a line over the limit was kept")
            return
        }
    }

    @Test func chunkSizes() {
        func size(_ line: String) -> Int? { Array(line.utf8).withUnsafeBytes { HTTPResponseReader.chunkSize($0) } }
        #expect(size("0\r\n") == 0)
        #expect(size("1a3F\r\n") == 0x1a3f)
        #expect(size("10;ext=\"x\"\r\n") == 16)
        #expect(size("\r\n") == nil)
        #expect(size("-1\r\n") == nil)
        #expect(size("0x10\r\n") == nil)
    }
}
