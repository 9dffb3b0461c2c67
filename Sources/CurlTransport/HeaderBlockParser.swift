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
    package private(set) var headers: [HTTPHeader] = []
    /// Whether the final block has been completed; later lines are trailers and ignored.
    package private(set) var isComplete = false

    package init() {}

    /// Consumes one line, with or without its CR LF.
    package mutating func consume(line bytes: some Collection<UInt8>) -> Event {
        if isComplete { return .none }
        var line = Substring(decoding: bytes, as: UTF8.self)
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" {
            line = line.dropLast()
        }
        if line.isEmpty {
            guard let status else { return .malformed }
            if (100..<200).contains(status) {
                // End of an interim block: the final one is still to come.
                self.status = nil
                headers.removeAll(keepingCapacity: true)
                return .none
            }
            isComplete = true
            return .finalHeadersComplete
        }
        if line.hasPrefix("HTTP/") {
            guard let code = Self.statusCode(ofStatusLine: line) else { return .malformed }
            status = code
            headers.removeAll(keepingCapacity: true)
            return .none
        }
        guard status != nil else { return .malformed }
        if let first = line.first, first == " " || first == "\t" {
            // Obsolete line folding: continues the previous field's value.
            guard var last = headers.popLast() else { return .malformed }
            last.value += " " + line.trimmingSpaces()
            headers.append(last)
            return .none
        }
        guard let colon = line.firstIndex(of: ":") else { return .malformed }
        let name = line[..<colon].trimmingSpaces()
        guard !name.isEmpty else { return .malformed }
        headers.append(HTTPHeader(name, line[line.index(after: colon)...].trimmingSpaces()))
        return .none
    }

    /// The three-digit code of `HTTP/1.1 200 OK` (or `HTTP/2 200`).
    static func statusCode(ofStatusLine line: Substring) -> Int? {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[1].count == 3, let code = Int(parts[1]), code >= 100 else { return nil }
        return code
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
