/// A members API call that etcd refused, or that the client refused before sending.
///
/// The kind is decided by the HTTP status (and, for ``Kind/noLeader``, by every member's
/// answer), never by the text of etcd's message, which is kept in ``message``:
///
/// ```swift
/// do {
///     _ = try await client.members.add(peerURL: "http://10.0.0.4:2380")
/// } catch let error as EtcdMembersError where error.kind == .conflict {
///     // that peer URL is already a member's
/// }
/// ```
public struct EtcdMembersError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The peer URL is not `http(s)://host:port` without a path; nothing was sent.
        case invalidPeerURL
        /// No member has this ID (HTTP 404 on update or remove; also for an ID that is not hex).
        case memberNotFound
        /// HTTP 409: another member already has this peer URL (or, vanishingly rarely, the
        /// ID etcd generated for a new member).
        case conflict
        /// The cluster has no leader: an election is in progress, or too few members are up
        /// for one (HTTP 503 `During election` from every member that answered
        /// ``MembersAPI/leader()``). Retry after an election timeout.
        case noLeader
        /// HTTP 400 or 415: etcd found the request malformed (e.g. a peer URL scheme it does
        /// not accept).
        case badRequest
        /// HTTP 401: auth is enabled and the configured credentials are missing, wrong, or
        /// not the `root` user's (changing membership needs the `root` role).
        case unauthorized
        /// A 5xx answer to a change: etcd could not commit it in time (e.g. no quorum). The
        /// change may still be applied; list the members to learn what happened.
        case serverError(Int)
        /// Another status with an etcd message body.
        case unexpectedStatus(Int)
    }

    /// What went wrong.
    public var kind: Kind
    /// etcd's message (e.g. `membership: peerURL exists`), or the client's own account for
    /// errors raised before sending.
    public var message: String
    /// The member that answered (for ``Kind/noLeader``, the first that said so); `nil` for
    /// errors raised before sending.
    public var endpoint: String?
    /// The HTTP status; `nil` for errors raised before sending.
    public var status: Int?

    /// Creates the error.
    ///
    /// - Parameters:
    ///   - kind: What went wrong.
    ///   - message: etcd's message, or the client's account.
    ///   - endpoint: The member that answered, if any.
    ///   - status: The HTTP status, if any.
    public init(kind: Kind, message: String, endpoint: String? = nil, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.endpoint = endpoint
        self.status = status
    }

    /// E.g. `members: conflict: membership: peerURL exists (HTTP 409 from http://127.0.0.1:2379)`.
    public var description: String {
        "members: \(kind): \(message)" + AdminErrorBody.origin(status: status, endpoint: endpoint)
    }
}
