import Glibc

/// Follows the header lines libcurl hands to `CURLOPT_HEADERFUNCTION` and tells when the
/// *final* response header block is complete.
///
/// libcurl passes every complete header line: the status line, the fields, and the blank line
/// that ends each block, for interim (1xx) responses as well as the final one, and later any
/// trailers. The header timeout stops only at the end of the final block, so a server that
/// keeps sending `100 Continue` cannot hold a request open past its timeout.
///
/// Pure value type: no I/O, table-tested.
///
/// - SeeAlso: <https://curl.se/libcurl/c/CURLOPT_HEADERFUNCTION.html>
package struct HeaderBlockParser: Sendable {
    /// What a line changed.
    package enum Event: Sendable, Equatable {
        /// Nothing the transport must act on.
        case none
        /// The blank line ending the final (non-1xx) header block arrived.
        case finalHeadersComplete
        /// The line is not a valid header line of an HTTP/1.x response.
        case malformed
    }

    /// Status of the current (or final) block, once its status line has arrived.
    package private(set) var status: Int?
    /// Fields of the current (or final) block.
    package private(set) var headers = HTTPHeaders()
    /// Whether the final block has been completed; later lines are trailers and ignored.
    package private(set) var isComplete = false
    /// The first `Content-Length` field of the current (or final) block as a number; `nil`
    /// when there is none or it is not a non-negative decimal that fits an `Int`. Noted as the
    /// field arrives, so that the end of the block needs no lookup.
    package private(set) var contentLength: Int?
    /// Whether the block has a `Content-Length` field at all (``contentLength`` is `nil` for
    /// a malformed one too).
    package private(set) var hasContentLength = false
    /// Whether the last field added is that `Content-Length` (a folded continuation line
    /// extends it, and a folded value is no plain number).
    private var lastFieldIsContentLength = false

    package init() {}

    /// Consumes one line, with or without its CR LF.
    package mutating func consume(line bytes: some Collection<UInt8>) -> Event {
        if let event = bytes.withContiguousStorageIfAvailable({ consume(line: UnsafeRawBufferPointer($0)) }) {
            return event
        }
        return Array(bytes).withUnsafeBytes { consume(line: $0) }
    }

    /// Consumes one line, as libcurl hands it over. Works on bytes: this runs for every header
    /// line of every response, and `Character`-based string handling costs several times more.
    package mutating func consume(line raw: UnsafeRawBufferPointer) -> Event {
        if isComplete { return .none }
        var end = raw.count
        while end > 0, raw[end - 1] == UInt8(ascii: "\n") || raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])
        if line.isEmpty {
            guard let status else { return .malformed }
            if (100..<200).contains(status) {
                // End of an interim block: the final one is still to come.
                self.status = nil
                startBlock()
                return .none
            }
            isComplete = true
            return .finalHeadersComplete
        }
        if Self.isStatusLine(line) {
            guard let code = Self.statusCode(ofStatusLine: line) else { return .malformed }
            status = code
            startBlock()
            return .none
        }
        guard status != nil else { return .malformed }
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
            // Obsolete line folding: continues the previous field's value.
            let continuation = UnsafeRawBufferPointer(rebasing: line[Self.trimmed(line, 0, line.count)])
            if lastFieldIsContentLength { contentLength = nil }
            return headers.appendToLastValue(continuation) ? .none : .malformed
        }
        guard let base = line.baseAddress, let found = memchr(base, Int32(UInt8(ascii: ":")), line.count) else {
            return .malformed
        }
        let colon = base.distance(to: UnsafeRawPointer(found))
        let name = Self.trimmed(line, 0, colon)
        guard !name.isEmpty else { return .malformed }
        let value = Self.trimmed(line, colon + 1, line.count)
        headers.append(name: name, value: value, of: line)
        lastFieldIsContentLength = false
        if !hasContentLength, name.count == 14,
            asciiCaseInsensitiveEquals(UnsafeRawBufferPointer(rebasing: line[name]), ("Content-Length" as StaticString).utf8Bytes)
        {
            hasContentLength = true
            lastFieldIsContentLength = true
            contentLength = Self.decimal(UnsafeRawBufferPointer(rebasing: line[value]))
        }
        return .none
    }

    private mutating func startBlock() {
        headers.removeAll()
        contentLength = nil
        hasContentLength = false
        lastFieldIsContentLength = false
    }

    /// The non-negative decimal number `bytes` spell, if they are one (and it fits an `Int`).
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether `line` starts with `HTTP/`.
    private static func isStatusLine(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count >= 5 && line[0] == UInt8(ascii: "H") && line[1] == UInt8(ascii: "T") && line[2] == UInt8(ascii: "T")
            && line[3] == UInt8(ascii: "P") && line[4] == UInt8(ascii: "/")
    }

    /// The three-digit code of `HTTP/1.1 200 OK` (or `HTTP/2 200`).
    static func statusCode(ofStatusLine line: UnsafeRawBufferPointer) -> Int? {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        var i = space
        while i < line.count, line[i] == UInt8(ascii: " ") { i += 1 }
        guard i + 3 <= line.count, i + 3 == line.count || line[i + 3] == UInt8(ascii: " ") else { return nil }
        var code = 0
        for j in i..<(i + 3) {
            let digit = Int(line[j]) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { return nil }
            code = code * 10 + digit
        }
        return code >= 100 ? code : nil
    }

    /// The range `from..<to` of `line` without surrounding spaces and tabs.
    private static func trimmed(_ line: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Range<Int> {
        var start = from
        var end = to
        while start < end, line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return start..<end
    }
}
