@testable import CurlTransport
import Testing

struct HeaderBlockParserTests {
    private func feed(_ lines: [String]) -> (HeaderBlockParser, [HeaderBlockParser.Event]) {
        var parser = HeaderBlockParser()
        let events = lines.map { parser.consume(line: Array($0.utf8)) }
        return (parser, events)
    }

    @Test func finalBlockCompletesOnItsBlankLine() {
        let (parser, events) = feed(["HTTP/1.1 200 OK\r\n", "Content-Type: application/json\r\n", "X-Etcd-Index: 7\r\n", "\r\n"])
        #expect(events == [.none, .none, .none, .finalHeadersComplete])
        #expect(parser.status == 200)
        #expect(parser.isComplete)
        #expect(parser.headers == [HTTPHeader("Content-Type", "application/json"), HTTPHeader("X-Etcd-Index", "7")])
        #expect(parser.headers.first(named: "x-etcd-index") == "7")
    }

    @Test func interimBlocksDoNotCount() {
        let (parser, events) = feed([
            "HTTP/1.1 100 Continue\r\n", "\r\n",
            "HTTP/1.1 102 Processing\r\n", "X-Interim: 1\r\n", "\r\n",
            "HTTP/1.1 404 Not Found\r\n", "X-Final: 1\r\n", "\r\n",
        ])
        #expect(events.filter { $0 == .finalHeadersComplete }.count == 1)
        #expect(events.last == .finalHeadersComplete)
        #expect(parser.status == 404)
        #expect(parser.headers == [HTTPHeader("X-Final", "1")])
    }

    /// The first `Content-Length` of the final block, noted as it arrives (the transfer caps
    /// the body with it): any case, trimmed; `nil` when absent or not a plain decimal; an
    /// interim block's does not count.
    @Test(arguments: [
        (["Content-Length: 127"], 127),
        (["content-length:0"], 0),
        (["CONTENT-LENGTH: \t42 "], 42),
        (["Content-Length: 12", "Content-Length: 99"], 12),
        (["Content-Length: x", "Content-Length: 99"], nil),
        (["Content-Length: -1"], nil),
        (["Content-Length: 1234567890123456789"], nil),
        (["Content-Lengths: 5", "X-Content-Length: 6"], nil),
        ([], nil),
    ] as [([String], Int?)])
    func contentLengthIsTheFirstFieldsNumber(fields: [String], length: Int?) {
        let (parser, events) = feed(["HTTP/1.1 200 OK\r\n"] + fields.map { $0 + "\r\n" } + ["\r\n"])
        #expect(events.last == .finalHeadersComplete)
        #expect(parser.contentLength == length)
    }

    @Test func anInterimBlocksContentLengthDoesNotCount() {
        let (interim, _) = feed(["HTTP/1.1 100 Continue\r\n", "Content-Length: 5\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "\r\n"])
        #expect(interim.contentLength == nil)
        let (final, _) = feed(["HTTP/1.1 100 Continue\r\n", "Content-Length: 5\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "Content-Length: 7\r\n", "\r\n"])
        #expect(final.contentLength == 7)
    }

    @Test func trailersAfterTheFinalBlockAreIgnored() {
        let (parser, events) = feed(["HTTP/1.1 200 OK\r\n", "\r\n", "X-Trailer: 1\r\n", "\r\n"])
        #expect(events == [.none, .finalHeadersComplete, .none, .none])
        #expect(parser.headers.isEmpty)
    }

    @Test(arguments: [
        (["HTTP/1.1 2000 OK\r\n"], HeaderBlockParser.Event.malformed),
        (["HTTP/1.1 abc OK\r\n"], .malformed),
        (["Content-Type: x\r\n"], .malformed),
        (["\r\n"], .malformed),
        (["HTTP/1.1 200 OK\r\n", "no colon here\r\n"], .malformed),
        (["HTTP/1.1 200 OK\r\n", ": empty name\r\n"], .malformed),
        (["HTTP/1.1 200\r\n"], .none),
        (["HTTP/2 204\r\n", "\r\n"], .finalHeadersComplete),
        (["HTTP/1.0 301 Moved\n", "\n"], .finalHeadersComplete),
    ])
    func edgeCases(lines: [String], last: HeaderBlockParser.Event) {
        let (_, events) = feed(lines)
        #expect(events.last == last)
    }

    @Test func foldedLinesContinueThePreviousValue() {
        let (parser, _) = feed(["HTTP/1.1 200 OK\r\n", "X-Long: a\r\n", "\t b\r\n", "\r\n"])
        #expect(parser.headers == [HTTPHeader("X-Long", "a b")])
    }

    @Test func valuesAreTrimmedAndMayContainColons() {
        let (parser, _) = feed(["HTTP/1.1 307 Temporary Redirect\r\n", "Location:   http://127.0.0.1:2379/v2/keys/a  \r\n", "\r\n"])
        #expect(parser.headers.first(named: "location") == "http://127.0.0.1:2379/v2/keys/a")
    }
}
