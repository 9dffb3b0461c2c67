import CurlTransport
import Foundation

/// One request of the members or auth API, built but not sent: JSON in, JSON out.
///
/// Built by ``MembersRequestBuilder`` and ``AuthRequestBuilder``; pure data, so tests compare
/// requests byte for byte.
struct AdminRequest: Sendable, Equatable {
    /// The HTTP method.
    var method: HTTPMethod
    /// The escaped path, e.g. `/v2/auth/users/alice`.
    var path: String
    /// The JSON body of a `PUT` or `POST`; `nil` for `GET` and `DELETE`.
    var body: [UInt8]?

    /// Whether the request may be sent again to another member: after a 5xx answer or a
    /// failure that may have reached the server. Reads are; so are the members writes whose
    /// repetition changes nothing (update sets the same URLs, remove finds the member gone).
    /// Every other write is sent once (a write whose answer is lost throws
    /// ``EtcdOutcomeUnknownError``).
    var isIdempotent: Bool

    /// `Content-Type: application/json` when there is a body (etcd refuses members writes
    /// without it, with a 415).
    var headers: [HTTPHeader] {
        body == nil ? [] : [HTTPHeader("Content-Type", "application/json")]
    }

    /// The body as text, for tests.
    var bodyText: String? {
        body.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A request without a body; idempotent if not given otherwise when it is a `GET`.
    init(method: HTTPMethod, path: String, isIdempotent: Bool? = nil) {
        self.method = method
        self.path = path
        self.body = nil
        self.isIdempotent = isIdempotent ?? (method == .get)
    }

    /// A request whose body is `value` encoded as JSON with sorted keys and unescaped slashes.
    init(method: HTTPMethod, path: String, json value: some Encodable, isIdempotent: Bool? = nil) {
        self.method = method
        self.path = path
        self.body = Self.encode(value)
        self.isIdempotent = isIdempotent ?? (method == .get)
    }

    /// `value` as compact JSON. Encoding plain structs of strings cannot fail.
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}

extension ClusterRequester {
    /// Sends `request` through the cluster (reads fail over, writes are sent once), within
    /// `timeout` in all if given.
    func send(_ request: AdminRequest, timeout: Duration?) async throws -> (
        status: Int, body: [UInt8], endpoint: String
    ) {
        let answer = try await send(
            request.method, request.path, body: request.body, headers: request.headers,
            isIdempotent: request.isIdempotent, timeout: timeout)
        return (answer.response.status, answer.response.body, answer.endpoint)
    }
}

/// The body of etcd's members and auth errors: `{"message":"…"}` (no code).
struct AdminErrorBody: Decodable, Sendable, Equatable {
    var message: String

    /// The message of an etcd error body, or `nil` when the body is not one (empty, not JSON,
    /// a proxy's page, a JSON object without a string `message`).
    static func message(in body: [UInt8]) -> String? {
        try? JSONDecoder().decode(AdminErrorBody.self, from: Data(body)).message
    }

    /// ` (HTTP 409 from http://…)`, ` (from http://…)` or nothing, for error descriptions.
    static func origin(status: Int?, endpoint: String?) -> String {
        switch (status, endpoint) {
        case (let status?, let endpoint?): " (HTTP \(status) from \(endpoint))"
        case (nil, let endpoint?): " (from \(endpoint))"
        case (_, nil): ""
        }
    }
}

/// Decodes the JSON body of a successful answer, or throws ``EtcdResponseError/Kind/invalidBody``.
enum AdminBody {
    static func decode<Value: Decodable>(
        _ type: Value.Type, from body: [UInt8], status: Int, endpoint: String, what: String
    ) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body))
        } catch {
            let detail = body.isEmpty ? "the response body is empty" : "the response is not \(what) (\(error))"
            throw EtcdResponseError(kind: .invalidBody, endpoint: endpoint, status: status, detail: detail, body: body)
        }
    }

    /// The error for an answer without an etcd error body: a plain-text 404 means the v2 API
    /// is off (etcd 3.4's default); anything else is not etcd's answer.
    static func notAnAnswer(status: Int, body: [UInt8], endpoint: String) -> EtcdResponseError {
        EtcdResponseError(
            kind: status == 404 ? .v2Disabled : .unexpectedStatus(status), endpoint: endpoint, status: status,
            detail: "unexpected HTTP status \(status) without an etcd error body", body: body)
    }
}
