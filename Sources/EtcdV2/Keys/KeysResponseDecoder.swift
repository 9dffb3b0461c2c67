import CurlTransport

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
///
/// The body is read by ``KeysWireBody`` with ``EtcdJSONReader``, a JSON reader made for these
/// shapes, not by Foundation's `JSONDecoder`.
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
        try decode(status: status, headers: HTTPHeaders(headers), body: body, endpoint: endpoint)
    }

    /// ``decode(status:headers:body:endpoint:)`` for headers as the transport keeps them.
    ///
    /// `knownClusterID`, when given, must be exactly the value of the first
    /// `X-Etcd-Cluster-Id` header (``ClusterRequester`` checked it against the cluster ID on
    /// record): it becomes the response's ``Response/clusterID`` without making another
    /// `String` of the same bytes.
    static func decode(
        status: Int, headers: HTTPHeaders, body: [UInt8], endpoint: String, knownClusterID: String? = nil
    ) throws -> Response {
        var wire: KeysWireBody
        do throws(EtcdJSONError) {
            wire = try KeysWireBody(parsing: body)
        } catch {
            throw notAnAnswer(status: status, body: body, endpoint: endpoint, error: error)
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
        let fields = HeaderFields(headers, knownClusterID: knownClusterID)
        return Response(
            action: action,
            // Moved out, not copied: the body is not used after this.
            node: wire.node.take(),
            prevNode: wire.prevNode.take(),
            index: fields.index,
            clusterID: fields.clusterID,
            raftIndex: fields.raftIndex,
            raftTerm: fields.raftTerm)
    }

    /// The four headers a ``Response`` keeps: names compared ASCII case-insensitively on their
    /// UTF-8 bytes, the first header of each name taken (a later duplicate is ignored even when
    /// the first is not a number), numbers read as ``headerIndex(_:_:)`` reads them.
    struct HeaderFields {
        /// `X-Etcd-Index`.
        var index: UInt64?
        /// `X-Etcd-Cluster-Id`; `nil` when missing or empty.
        var clusterID: String?
        /// `X-Raft-Index`.
        var raftIndex: UInt64?
        /// `X-Raft-Term`.
        var raftTerm: UInt64?

        /// Reads all four in one pass over the fields (four lookups walked them four times).
        init(_ headers: HTTPHeaders, knownClusterID: String? = nil) {
            var index: UInt64?
            var clusterID: String?
            var raftIndex: UInt64?
            var raftTerm: UInt64?
            var seen = Seen()
            headers.forEachField { name, value in
                switch name.count {
                case 11 where !seen.contains(.raftTerm) && Self.named(name, "X-Raft-Term"):
                    seen.insert(.raftTerm)
                    raftTerm = Self.number(value)
                case 12 where !seen.contains(.index) && Self.named(name, "X-Etcd-Index"):
                    seen.insert(.index)
                    index = Self.number(value)
                case 12 where !seen.contains(.raftIndex) && Self.named(name, "X-Raft-Index"):
                    seen.insert(.raftIndex)
                    raftIndex = Self.number(value)
                case 17 where !seen.contains(.clusterID) && Self.named(name, "X-Etcd-Cluster-Id"):
                    seen.insert(.clusterID)
                    if value.isEmpty {
                        clusterID = nil
                    } else {
                        clusterID = knownClusterID ?? String(decoding: value, as: UTF8.self)
                    }
                default:
                    break
                }
                return seen != .all
            }
            self.index = index
            self.clusterID = clusterID
            self.raftIndex = raftIndex
            self.raftTerm = raftTerm
        }

        /// The fields met so far: only the first of each name counts.
        private struct Seen: OptionSet {
            let rawValue: UInt8
            static let index = Seen(rawValue: 1)
            static let clusterID = Seen(rawValue: 2)
            static let raftIndex = Seen(rawValue: 4)
            static let raftTerm = Seen(rawValue: 8)
            static let all: Seen = [.index, .clusterID, .raftIndex, .raftTerm]
        }

        @inline(__always)
        private static func named(_ name: UnsafeRawBufferPointer, _ wanted: StaticString) -> Bool {
            asciiCaseInsensitiveEquals(name, wanted.utf8Bytes)
        }

        @inline(__always)
        private static func number(_ value: UnsafeRawBufferPointer) -> UInt64? {
            value.withMemoryRebound(to: UInt8.self) { $0.decimalUInt64() }
        }
    }

    /// A header's value as an unsigned decimal number, spaces and tabs around it ignored; `nil`
    /// when missing, empty, signed, above `UInt64.max`, or not a number (Go's client fails the
    /// whole response on a bad `X-Etcd-Index`). Read in one pass, without making strings.
    static func headerIndex(_ headers: HTTPHeaders, _ name: StaticString) -> UInt64? {
        headers.firstValue(named: name)?.withUnsafeBufferPointer { $0.decimalUInt64() }
    }

    /// The error for a body that did not decode as an etcd answer.
    ///
    /// The detail tells an empty body, a body that is not JSON, truncated or malformed JSON
    /// (it starts like an object or array), and JSON of the wrong shape apart; for the last,
    /// it adds where and what, e.g. `node.nodes.[0].key: expected String`.
    private static func notAnAnswer(status: Int, body: [UInt8], endpoint: String, error: EtcdJSONError)
        -> EtcdResponseError
    {
        let isBlank = body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let isJSON = !isBlank && !error.isMalformed
        let detail: String
        if isBlank {
            detail = "the response body is empty"
        } else if isJSON {
            detail = "the response JSON is not an etcd v2 answer (\(error))"
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
}
