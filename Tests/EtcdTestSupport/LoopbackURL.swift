/// An `http://` URL whose host is a loopback IPv4 address, split into the parts
/// ``LoopbackHTTP`` needs. Anything else is rejected before a socket is opened.
struct LoopbackURL: Sendable, Equatable {
    /// The IPv4 address in host byte order (always `127.x.x.x`).
    var host: UInt32
    /// The TCP port (80 when the URL names none).
    var port: UInt16
    /// `host[:port]` exactly as written in the URL, for the `Host` header.
    var authority: String
    /// The request target: path (at least `/`) plus `?query` if any.
    var pathAndQuery: String

    /// Parses `http://host[:port][/path][?query]`; a `#fragment` is dropped.
    ///
    /// - Throws: ``LoopbackHTTPError/invalidURL(_:)`` for anything unparsable,
    ///   ``LoopbackHTTPError/notLoopback(_:)`` for hosts other than `localhost`/`127.x.x.x`.
    init(parsing url: String) throws {
        let scheme = "http://"
        guard url.lowercased().hasPrefix(scheme) else {
            throw LoopbackHTTPError.invalidURL("\(url.debugDescription): only http:// is supported")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw LoopbackHTTPError.invalidURL("\(url.debugDescription): missing or unsupported host")
        }
        guard !authority.hasPrefix("[") else {
            throw LoopbackHTTPError.notLoopback("\(authority): only IPv4 loopback and localhost are supported")
        }

        let hostText: Substring
        var port: UInt16 = 80
        if let colon = authority.lastIndex(of: ":") {
            hostText = authority[..<colon]
            guard let parsed = UInt16(authority[authority.index(after: colon)...]), parsed != 0 else {
                throw LoopbackHTTPError.invalidURL("\(url.debugDescription): bad port")
            }
            port = parsed
        } else {
            hostText = Substring(authority)
        }
        guard let host = Self.loopbackAddress(hostText) else {
            throw LoopbackHTTPError.notLoopback(String(hostText))
        }
        self.host = host
        self.port = port
        self.authority = authority
        self.pathAndQuery = target
    }

    /// `localhost` → 127.0.0.1; a dotted quad whose first octet is 127; otherwise `nil`.
    static func loopbackAddress(_ text: Substring) -> UInt32? {
        if text.lowercased() == "localhost" { return Socket.loopbackHostOrder }
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var address: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), let value = UInt8(octet) else {
                return nil
            }
            address = address << 8 | UInt32(value)
        }
        return address >> 24 == 127 ? address : nil
    }
}
