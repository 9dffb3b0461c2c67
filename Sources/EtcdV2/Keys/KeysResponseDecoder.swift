import CurlTransport
import Foundation

/// Turns a keys API response (status, headers, body) into a ``Response`` or a typed error.
///
/// | Response | Result |
/// |---|---|
/// | JSON with `errorCode`, any status | throws ``EtcdError``; `index` falls back to `X-Etcd-Index` |
/// | 200 or 201, JSON with `action` | ``Response``, with the `X-Etcd-*` and `X-Raft-*` headers |
/// | 200 or 201, anything else (empty, not JSON, truncated, no `action`) | throws ``EtcdResponseError/Kind/invalidBody`` |
/// | 404, not JSON (or empty) | throws ``EtcdResponseError/Kind/v2Disabled`` |
/// | other statuses without an etcd error body | throws ``EtcdResponseError/Kind/unexpectedStatus(_:)`` |
/// | JSON whose fields have the wrong types, any status | throws ``EtcdResponseError/Kind/invalidBody`` |
///
/// A watch may legitimately end with an empty 200 (a proxy or a server shutdown closed the
/// long poll); the watcher must check for that before decoding and simply poll again.
enum KeysResponseDecoder {
    /// Decodes one keys API response.
    ///
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - headers: The response headers (names compared case-insensitively).
    ///   - body: The whole response body.
    ///   - endpoint: Scheme and authority of the server, for error messages.
    /// - Throws: ``EtcdError`` for an etcd error body; ``EtcdResponseError`` for anything
    ///   that is not an etcd v2 answer.
    static func decode(status: Int, headers: [HTTPHeader], body: [UInt8], endpoint: String) throws -> Response {
        let wire: WireBody
        do {
            wire = try JSONDecoder().decode(WireBody.self, from: Data(body))
        } catch {
            throw notAnAnswer(status: status, body: body, endpoint: endpoint, decodingError: error)
        }

        if let errorCode = wire.errorCode {
            throw EtcdError(
                code: EtcdError.Code(rawValue: errorCode),
                message: wire.message ?? "",
                cause: wire.cause,
                index: wire.index ?? headerIndex(headers, "X-Etcd-Index") ?? 0)
        }
        guard status == 200 || status == 201 else {
            throw EtcdResponseError(
                kind: .unexpectedStatus(status), endpoint: endpoint, status: status,
                detail: "unexpected HTTP status \(status) without an etcd error body", body: body)
        }
        guard let action = wire.action else {
            throw EtcdResponseError(
                kind: .invalidBody, endpoint: endpoint, status: status,
                detail: "the response JSON has no \"action\"", body: body)
        }
        let clusterID = headers.first(named: "X-Etcd-Cluster-Id")
        return Response(
            action: action,
            node: wire.node,
            prevNode: wire.prevNode,
            index: headerIndex(headers, "X-Etcd-Index"),
            clusterID: clusterID?.isEmpty == false ? clusterID : nil,
            raftIndex: headerIndex(headers, "X-Raft-Index"),
            raftTerm: headerIndex(headers, "X-Raft-Term"))
    }

    /// A header's value as an unsigned decimal number; `nil` when missing, empty, signed, or
    /// not a number (Go's client fails the whole response on a bad `X-Etcd-Index`).
    static func headerIndex(_ headers: [HTTPHeader], _ name: String) -> UInt64? {
        guard let raw = headers.first(named: name) else { return nil }
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        let digits = raw.utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    /// The error for a body that did not decode as an etcd answer.
    private static func notAnAnswer(status: Int, body: [UInt8], endpoint: String, decodingError: any Error)
        -> EtcdResponseError
    {
        let isBlank = body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let isJSON = !isBlank && (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil
        let detail: String
        if isBlank {
            detail = "the response body is empty"
        } else if isJSON {
            detail = "the response JSON is not an etcd v2 answer (\(summary(of: decodingError)))"
        } else if let first = body.first(where: { $0 > 0x20 }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            detail = "the response body is truncated or malformed JSON"
        } else {
            detail = "the response body is not JSON"
        }

        let kind: EtcdResponseError.Kind
        if isJSON || status == 200 || status == 201 {
            kind = .invalidBody
        } else if status == 404 {
            kind = .v2Disabled
        } else {
            kind = .unexpectedStatus(status)
        }
        return EtcdResponseError(kind: kind, endpoint: endpoint, status: status, detail: detail, body: body)
    }

    /// A one-line account of a `DecodingError`: where, and what was expected.
    private static func summary(of error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "top level" : names.joined(separator: ".")
        }
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context)): expected \(type)"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context)): expected \(type), found null"
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context)): missing \"\(key.stringValue)\""
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            // The body is valid JSON (checked before), so Foundation means a value that does
            // not fit its type, such as a negative index; it gives no path for that.
            return "a value is out of range or malformed"
        case DecodingError.dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }

    /// Everything a keys API body may hold: an event or an error. Every field is optional;
    /// a field of the wrong type fails the decoding.
    private struct WireBody: Decodable {
        var action: Action?
        var node: Node?
        var prevNode: Node?
        var errorCode: Int?
        var message: String?
        var cause: String?
        var index: UInt64?
    }
}
