import Testing

@testable import EtcdTestSupport

/// The pure request-stream scanner behind ``PeerProxy``.
@Suite struct RequestStreamScannerTests {
    /// What a scan produced, flattened for comparison.
    struct Scan: Equatable {
        /// The heads in order.
        var heads: [PeerRequestHead] = []
        /// Every byte passed on (head bytes and pass-through), in order.
        var forwarded: [UInt8] = []
    }

    /// Feeds `input` in slices of `sliceSize` bytes.
    static func scan(_ input: String, sliceSize: Int = .max) throws -> Scan {
        var scanner = RequestStreamScanner()
        var result = Scan()
        let bytes = Array(input.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + min(sliceSize, bytes.count))
            for piece in try scanner.consume(bytes[offset..<end]) {
                switch piece {
                case .head(let head, let headBytes):
                    result.heads.append(head)
                    result.forwarded += headBytes
                case .passThrough(let body):
                    result.forwarded += body
                }
            }
            offset = end
        }
        return result
    }

    static let raftStream =
        "GET /raft/stream/message/8e9e05c52164694d HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"
        + "X-Server-From: 91bc3c398fb3c146\r\nX-Raft-To: 8e9e05c52164694d\r\n\r\n"
    static let streamHead = PeerRequestHead(
        method: "GET", target: "/raft/stream/message/8e9e05c52164694d", serverFrom: "91bc3c398fb3c146")
    static let probe = "GET /raft/probing HTTP/1.1\r\nHost: 127.0.0.1:1\r\nUser-Agent: Go-http-client/1.1\r\n\r\n"
    static let pipelinePost =
        "POST /raft HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Length: 5\r\nContent-Type: application/protobuf\r\n"
        + "x-sERVER-fROM: FD422379FDA50E48\r\n\r\nabcde"
    static let snapshotPost =
        "POST /raft/snapshot HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX-Server-From: 1\r\n\r\n"
        + "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n"

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var heads: [PeerRequestHead]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "stream dial", input: raftStream,
            heads: [streamHead]),
        Case(
            name: "probe then pipeline POST on one connection", input: probe + pipelinePost + probe,
            heads: [
                PeerRequestHead(method: "GET", target: "/raft/probing", serverFrom: nil),
                PeerRequestHead(method: "POST", target: "/raft", serverFrom: "FD422379FDA50E48"),
                PeerRequestHead(method: "GET", target: "/raft/probing", serverFrom: nil),
            ]),
        Case(
            name: "chunked snapshot with extension and trailer, then a request", input: snapshotPost + raftStream,
            heads: [
                PeerRequestHead(method: "POST", target: "/raft/snapshot", serverFrom: "1"),
                streamHead,
            ]),
        Case(
            name: "body bytes that look like a request are not parsed",
            input: "POST /raft HTTP/1.1\r\nContent-Length: 20\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\n" + probe,
            heads: [
                PeerRequestHead(method: "POST", target: "/raft", serverFrom: nil),
                PeerRequestHead(method: "GET", target: "/raft/probing", serverFrom: nil),
            ]),
        Case(
            name: "zero Content-Length and repeated equal Content-Length",
            input: "PUT /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                + "PUT /b HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nxy",
            heads: [
                PeerRequestHead(method: "PUT", target: "/a", serverFrom: nil),
                PeerRequestHead(method: "PUT", target: "/b", serverFrom: nil),
            ]),
        Case(name: "incomplete head yields nothing yet", input: "GET /raft/probing HTTP/1.1\r\nHost: x\r\n", heads: []),
    ]

    @Test(arguments: cases)
    func splitsStreamsIntoHeadsAndPassesEveryByteOn(_ example: Case) throws {
        let whole = try Self.scan(example.input)
        #expect(whole.heads == example.heads)
        let complete = example.heads.isEmpty ? [] : Array(example.input.utf8)
        #expect(whole.forwarded == complete)
        // Any slicing of the input gives the same result.
        for size in [1, 2, 3, 7, 64] {
            #expect(try Self.scan(example.input, sliceSize: size) == whole, "slices of \(size) bytes")
        }
    }

    @Test func blankLinesBeforeARequestAreDropped() throws {
        let scan = try Self.scan("\r\n\n" + Self.probe, sliceSize: 1)
        #expect(scan.heads.map(\.target) == ["/raft/probing"])
        #expect(scan.forwarded == Array(Self.probe.utf8))
    }

    @Test func knowsWhenItIsBetweenRequests() throws {
        var scanner = RequestStreamScanner()
        #expect(scanner.isBetweenRequests)
        _ = try scanner.consume(Array("POST /raft HTTP/1.1\r\nContent-Length: 3\r\n\r\nab".utf8))
        #expect(!scanner.isBetweenRequests)
        _ = try scanner.consume(Array("c".utf8))
        #expect(scanner.isBetweenRequests)
        _ = try scanner.consume(Array("G".utf8))
        #expect(!scanner.isBetweenRequests)
    }

    static let malformed: [(String, String)] = [
        ("not HTTP", "\u{16}\u{03}\u{01}\u{02}\u{00}\r\n\r\n"),
        ("no version", "GET /raft\r\n\r\n"),
        ("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\n"),
        ("header without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n"),
        ("non-chunked Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
        ("Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n"),
        ("Content-Length with a sign", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"),
        ("conflicting Content-Length", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        ("bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        ("chunk data without CRLF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY"),
        ("head over 64 KiB", "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 70_000)),
        (
            "chunk line over 4 KiB",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 5_000)
        ),
    ]

    @Test(arguments: malformed)
    func rejectsWhatIsNotAnHTTP11RequestStream(_ name: String, _ input: String) {
        #expect(throws: LoopbackHTTPError.self, "\(name)") { _ = try Self.scan(input, sliceSize: 4096) }
    }

    @Test func memberIDsCompareAsNumbers() {
        let id: UInt64 = 0x8e9e_05c5_2164_694d
        #expect(PeerProxyCore.memberID(hex: "8e9e05c52164694d") == id)
        #expect(PeerProxyCore.memberID(hex: "8E9E05C52164694D") == id)
        #expect(PeerProxyCore.memberID(hex: "008e9e05c52164694d") == id)
        #expect(PeerProxyCore.memberID(hex: " 8e9e05c52164694d ") == id)
        #expect(PeerProxyCore.memberID(hex: "1") == 1)
        #expect(String(id, radix: 16) == "8e9e05c52164694d")
        for bad in ["", "xyz", "-1", "+1", "0x1f", "1 2", "1ffffffffffffffff"] {
            #expect(PeerProxyCore.memberID(hex: bad) == nil, "\(bad.debugDescription)")
        }
    }
}
