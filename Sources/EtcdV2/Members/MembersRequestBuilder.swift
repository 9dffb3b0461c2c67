import CurlTransport

/// Builds the requests of the members API and checks their arguments before anything is sent.
///
/// | call | request |
/// |---|---|
/// | list | `GET /v2/members` |
/// | leader | `GET /v2/members/leader` |
/// | add | `POST /v2/members` `{"peerURLs":["…"]}` |
/// | update | `PUT /v2/members/<id>` `{"peerURLs":[…]}` |
/// | remove | `DELETE /v2/members/<id>` |
///
/// Update and remove are idempotent: sent again they change nothing, so after a 5xx answer or
/// a lost answer they go on to the next member, as reads do. That matters for a change made
/// right after another: etcd's raft leader drops a configuration change proposed while the
/// previous one is not yet applied on it, and the member asked answers 500 after its request
/// timeout (7 s by default); the next member's proposal goes through (docs/failover.md).
/// Add is sent once.
enum MembersRequestBuilder {
    static let membersPath = "/v2/members"

    static func list() -> AdminRequest {
        AdminRequest(method: .get, path: membersPath)
    }

    static func leader() -> AdminRequest {
        AdminRequest(method: .get, path: membersPath + "/leader")
    }

    static func add(peerURL: String) throws(EtcdMembersError) -> AdminRequest {
        try validatePeerURL(peerURL)
        return AdminRequest(method: .post, path: membersPath, json: PeerURLs(peerURLs: [peerURL]))
    }

    static func update(id: String, peerURLs: [String]) throws(EtcdMembersError) -> AdminRequest {
        try validateID(id)
        guard !peerURLs.isEmpty else {
            throw EtcdMembersError(kind: .invalidPeerURL, message: "a member needs at least one peer URL")
        }
        for url in peerURLs { try validatePeerURL(url) }
        return AdminRequest(
            method: .put, path: membersPath + "/" + id, json: PeerURLs(peerURLs: peerURLs), isIdempotent: true)
    }

    static func remove(id: String) throws(EtcdMembersError) -> AdminRequest {
        try validateID(id)
        return AdminRequest(method: .delete, path: membersPath + "/" + id, isIdempotent: true)
    }

    /// The body of add and update.
    struct PeerURLs: Encodable, Equatable {
        var peerURLs: [String]
    }

    /// A member ID is 1 to 16 hex digits (etcd parses it as a 64-bit hex number and answers
    /// 404 for anything else).
    static func validateID(_ id: String) throws(EtcdMembersError) {
        let isHex = id.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
        }
        guard !id.isEmpty, id.utf8.count <= 16, isHex else {
            throw EtcdMembersError(
                kind: .memberNotFound, message: "\(String(reflecting: id)) is not a member ID (1 to 16 hex digits)")
        }
    }

    /// The rules of etcd's `types.NewURLs`, a little stricter: scheme `http`, `https`, `unix`
    /// or `unixs`; `host:port` with a non-empty host and a port in 1…65535; nothing after the
    /// port (no path, not even `/`, no query or fragment); no user info, spaces or control
    /// characters.
    static func validatePeerURL(_ url: String) throws(EtcdMembersError) {
        func refuse(_ reason: String) -> EtcdMembersError {
            EtcdMembersError(kind: .invalidPeerURL, message: "\(String(reflecting: url)) is not a peer URL: \(reason)")
        }
        let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw refuse("no scheme") }
        guard ["http", "https", "unix", "unixs"].contains(parts[0]) else {
            throw refuse("the scheme must be http, https, unix or unixs")
        }
        let authority = parts[1]
        if let byte = authority.utf8.first(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw refuse("it contains the byte 0x\(String(byte, radix: 16))")
        }
        if authority.contains(where: { "/?#".contains($0) }) {
            throw refuse("it must not have a path, query or fragment")
        }
        if authority.contains("@") { throw refuse("it must not contain user info") }
        guard let colon = authority.lastIndex(of: ":") else { throw refuse("it has no port") }
        let host = authority[..<colon]
        let port = authority[authority.index(after: colon)...]
        let hostIsBracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
        guard !host.isEmpty, hostIsBracketed || !host.contains(":"), !host.contains("[") || hostIsBracketed else {
            throw refuse("the host is empty or malformed")
        }
        guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCIIDigit), let number = Int(port),
            (1...65535).contains(number)
        else { throw refuse("the port must be a number in 1…65535") }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
