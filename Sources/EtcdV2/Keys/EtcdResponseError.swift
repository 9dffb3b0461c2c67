/// A response that is not an etcd v2 answer: the endpoint is not etcd, has the v2 API turned
/// off, or something in between (a proxy, a load balancer) answered instead.
///
/// etcd answers every keys request with JSON: an event for 200 and 201, an ``EtcdError`` body
/// otherwise. Anything else ends up here, with enough of the response to tell what it was:
///
/// ```text
/// http://127.0.0.1:2379 is not an etcd v2 endpoint: the v2 API is disabled (HTTP 404 "404 page not found"); start etcd with --enable-v2=true
/// ```
public struct EtcdResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of answer it was.
    public enum Kind: Sendable, Hashable {
        /// A 200 or 201 whose body is not an etcd event: empty, not JSON, truncated JSON, or
        /// JSON without an `action`; or an error body with fields of the wrong type.
        case invalidBody
        /// A 404 whose body is not JSON: etcd 3.4 and later answer every `/v2/…` request with
        /// a plain-text `404 page not found` unless started with `--enable-v2=true`.
        case v2Disabled
        /// Any other status without an etcd error body (a 502 from a proxy, a 301, …).
        case unexpectedStatus(Int)
    }

    /// What kind of answer it was.
    public var kind: Kind
    /// Scheme and authority of the server that answered, e.g. `http://127.0.0.1:2379`.
    public var endpoint: String
    /// The HTTP status.
    public var status: Int
    /// What was wrong with the body, in words, e.g. `the response body is not JSON`.
    public var detail: String
    /// The first 200 bytes of the body at most, decoded as UTF-8 with invalid bytes replaced.
    public var bodyPrefix: String

    /// The most bytes of the body ``bodyPrefix`` keeps.
    public static let bodyPrefixLimit = 200

    /// Creates the error from a response.
    ///
    /// - Parameters:
    ///   - kind: What kind of answer it was.
    ///   - endpoint: Scheme and authority of the server that answered.
    ///   - status: The HTTP status.
    ///   - detail: What was wrong with the body, in words.
    ///   - body: The response body; only its first ``bodyPrefixLimit`` bytes are kept.
    public init(kind: Kind, endpoint: String, status: Int, detail: String, body: [UInt8]) {
        self.kind = kind
        self.endpoint = endpoint
        self.status = status
        self.detail = detail
        self.bodyPrefix = String(decoding: body.prefix(Self.bodyPrefixLimit), as: UTF8.self)
    }

    /// Names the endpoint and says plainly what is wrong, e.g.
    /// `http://127.0.0.1:2379 is not an etcd v2 endpoint: the response body is not JSON
    /// (HTTP 200, body "<html>…")`.
    public var description: String {
        let lead = "\(endpoint) is not an etcd v2 endpoint"
        switch kind {
        case .v2Disabled:
            return "\(lead): the v2 API is disabled (HTTP 404\(quotedBody)); start etcd with --enable-v2=true"
        case .invalidBody, .unexpectedStatus:
            return "\(lead): \(detail) (HTTP \(status)\(quotedBody))"
        }
    }

    /// `, body "…"` with the prefix trimmed and escaped, or `, empty body`.
    private var quotedBody: String {
        let trimmed = bodyPrefix.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return ", empty body" }
        return " \(String(reflecting: trimmed))"
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs, CRs and LFs.
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
