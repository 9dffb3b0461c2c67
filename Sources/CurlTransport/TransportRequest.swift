import Glibc

/// The HTTP methods the etcd v2 API uses.
package enum HTTPMethod: String, Sendable, Hashable {
    case get = "GET"
    case head = "HEAD"
    case put = "PUT"
    case post = "POST"
    case delete = "DELETE"

    /// Whether sending the request twice has the same effect as sending it once.
    ///
    /// etcd's `PUT` and `DELETE` can be conditional (compare-and-swap, compare-and-delete) and
    /// advance the store's index, so only `GET` and `HEAD` count as idempotent here.
    package var isIdempotentByDefault: Bool {
        switch self {
        case .get, .head: true
        case .put, .post, .delete: false
        }
    }
}

/// One header field, as sent or as received.
package struct HTTPHeader: Sendable, Hashable {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension String {
    /// ASCII case-insensitive comparison, enough for HTTP field names and hex IDs. Works on the
    /// UTF-8 buffers directly: it runs for every response.
    package func caseInsensitiveEquals(_ other: String) -> Bool {
        var lhs = self
        var rhs = other
        return lhs.withUTF8 { a in
            rhs.withUTF8 { b in asciiCaseInsensitiveEquals(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) }
        }
    }

    /// ``caseInsensitiveEquals(_:)-(String)`` with bytes as they arrived (a header's value),
    /// without making a `String` of them.
    package func caseInsensitiveEquals(_ other: ArraySlice<UInt8>) -> Bool {
        var lhs = self
        return lhs.withUTF8 { a in
            other.withUnsafeBytes { b in asciiCaseInsensitiveEquals(UnsafeRawBufferPointer(a), b) }
        }
    }
}

extension String {
    /// Whether the string's UTF-8 is exactly `other` (a header's value as it arrived).
    package func utf8Equals(_ other: ArraySlice<UInt8>) -> Bool {
        var string = self
        return string.withUTF8 { utf8 in
            other.withUnsafeBufferPointer { bytes in
                guard utf8.count == bytes.count else { return false }
                guard let a = utf8.baseAddress, let b = bytes.baseAddress else { return true }  // both empty
                return memcmp(a, b, utf8.count) == 0
            }
        }
    }
}

extension StaticString {
    /// The string's UTF-8, for comparing with bytes as they arrived.
    package var utf8Bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
    }
}

/// Whether `a` and `b` hold the same bytes, ASCII letters compared case-insensitively.
package func asciiCaseInsensitiveEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] {
        let x = a[i] &- 65 < 26 ? a[i] | 0x20 : a[i]
        let y = b[i] &- 65 < 26 ? b[i] | 0x20 : b[i]
        if x != y { return false }
    }
    return true
}

/// Basic-auth credentials, handed to libcurl and never logged.
package struct BasicCredentials: Sendable, Hashable {
    package var username: String
    package var password: String

    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// One request for ``CurlTransport/execute(_:)``.
///
/// The URL is split into `endpoint` (scheme and authority, e.g. `http://127.0.0.1:2379`) and
/// `pathAndQuery` (already percent-encoded), so that errors and logs can name the endpoint
/// without parsing the URL again, and so that no credentials ever sit in a URL.
package struct TransportRequest: Sendable {
    package var method: HTTPMethod
    /// Scheme and authority only: `http://host:port` or `https://host:port`.
    package var endpoint: String
    /// Path and query, percent-encoded, starting with `/`.
    package var pathAndQuery: String
    package var headers: [HTTPHeader]
    package var body: [UInt8]?
    /// Time from the start of the request until the final response header block has arrived,
    /// in nanoseconds. `nil` turns it off (watch long polls).
    ///
    /// Kept as an integer rather than a `Duration`: `Duration` is 128 bits, and converting it
    /// for every request (`components`, 128-bit multiplications and divisions) cost more than
    /// the rest of the timeout bookkeeping together.
    package var headerTimeoutNanoseconds: UInt64?
    /// Time from the start of the request until the whole response has arrived, in
    /// nanoseconds. `nil`: none.
    package var deadlineNanoseconds: UInt64?
    /// Whether a second send is harmless. When `false`, libcurl's silent re-send of a request
    /// whose reused connection returned nothing is refused, and the failure is reported as
    /// ``TransportError/Delivery/possiblySent``.
    package var isIdempotent: Bool
    /// A long poll (etcd watch): the transfer gets a small receive buffer, since thousands
    /// of them may sit idle at once.
    package var isLongPoll: Bool
    package var credentials: BasicCredentials?

    package init(
        method: HTTPMethod,
        endpoint: String,
        pathAndQuery: String,
        headers: [HTTPHeader] = [],
        body: [UInt8]? = nil,
        headerTimeout: Duration? = nil,
        deadline: Duration? = nil,
        isIdempotent: Bool? = nil,
        isLongPoll: Bool = false,
        credentials: BasicCredentials? = nil
    ) {
        self.method = method
        self.endpoint = endpoint
        self.pathAndQuery = pathAndQuery
        self.headers = headers
        self.body = body
        self.headerTimeoutNanoseconds = headerTimeout?.nanosecondsClamped
        self.deadlineNanoseconds = deadline?.nanosecondsClamped
        self.isIdempotent = isIdempotent ?? method.isIdempotentByDefault
        self.isLongPoll = isLongPoll
        self.credentials = credentials
    }

    /// A request with its timeouts in nanoseconds, for callers that keep them so (the cluster
    /// layer, for every request).
    package init(
        method: HTTPMethod,
        endpoint: String,
        pathAndQuery: String,
        headers: [HTTPHeader],
        body: [UInt8]?,
        headerTimeoutNanoseconds: UInt64?,
        deadlineNanoseconds: UInt64?,
        isIdempotent: Bool,
        isLongPoll: Bool,
        credentials: BasicCredentials?
    ) {
        self.method = method
        self.endpoint = endpoint
        self.pathAndQuery = pathAndQuery
        self.headers = headers
        self.body = body
        self.headerTimeoutNanoseconds = headerTimeoutNanoseconds
        self.deadlineNanoseconds = deadlineNanoseconds
        self.isIdempotent = isIdempotent
        self.isLongPoll = isLongPoll
        self.credentials = credentials
    }

    /// ``headerTimeoutNanoseconds`` as a `Duration`.
    package var headerTimeout: Duration? {
        get { headerTimeoutNanoseconds.map { .nanoseconds(Int64(clamping: $0)) } }
        set { headerTimeoutNanoseconds = newValue?.nanosecondsClamped }
    }

    /// ``deadlineNanoseconds`` as a `Duration`.
    package var deadline: Duration? {
        get { deadlineNanoseconds.map { .nanoseconds(Int64(clamping: $0)) } }
        set { deadlineNanoseconds = newValue?.nanosecondsClamped }
    }

    /// Whether the request carries a body: any with one, and every `POST` (an empty one at
    /// least).
    package var sendsBody: Bool { body != nil || method == .post }

    /// Whether the endpoint is `https://` (the scheme compared case-insensitively).
    package var isTLS: Bool {
        // ASCII lowercasing by `| 0x20` leaves `:` and `/` as they are.
        endpoint.utf8.count > 8 && endpoint.utf8.prefix(8).elementsEqual("https://".utf8) { $0 | 0x20 == $1 }
    }

    /// The path without its query, for logs.
    package var pathForLogging: Substring {
        pathAndQuery.prefix { $0 != "?" }
    }
}

/// What came back: the final header block and the whole body.
package struct TransportResponse: Sendable {
    package var status: Int
    /// The fields of the final header block (interim 1xx blocks are dropped), in arrival order.
    package var headers: HTTPHeaders
    package var body: [UInt8]
    /// Whether the request went out on a connection kept from an earlier request.
    package var reusedConnection: Bool
    /// Time from the start of the request until its completion, in nanoseconds.
    package var durationNanoseconds: UInt64

    package init(status: Int, headers: HTTPHeaders, body: [UInt8], reusedConnection: Bool, durationNanoseconds: UInt64) {
        self.status = status
        self.headers = headers
        self.body = body
        self.reusedConnection = reusedConnection
        self.durationNanoseconds = durationNanoseconds
    }

    /// Time from the start of the request until its completion.
    package var duration: Duration { .nanoseconds(Int64(clamping: durationNanoseconds)) }
}
