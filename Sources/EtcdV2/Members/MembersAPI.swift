/// The cluster's membership: list, add, update and remove members, find the leader.
///
/// ```swift
/// let members = try await client.members.list()
/// let added = try await client.members.add(peerURL: "http://10.0.0.4:2380")
/// // start etcd on 10.0.0.4 with --initial-cluster-state existing, then:
/// try await client.members.remove(id: added.id)
/// ```
///
/// Reads fail over to the next member like keys reads. Changes (add, update, remove) are
/// sent once: a change whose answer is lost throws ``EtcdOutcomeUnknownError`` and is never
/// re-sent behind your back (a re-sent add would add a second member). With auth enabled,
/// changes need the `root` user's credentials; reads need none.
///
/// Errors: ``EtcdMembersError`` for etcd's refusals (keyed on the HTTP status), besides the
/// cluster errors every call can throw (``EtcdClusterError``, ``EtcdOutcomeUnknownError``, …).
public struct MembersAPI: Sendable {
    let requester: ClusterRequester
    /// The time each call may take in all, across endpoints; `nil`: no limit.
    let callTimeout: Duration?

    init(requester: ClusterRequester, callTimeout: Duration? = nil) {
        self.requester = requester
        self.callTimeout = callTimeout
    }

    /// The same API, with every call limited to `timeout` in all (across every endpoint
    /// tried); a call that runs out of time throws ``EtcdDeadlineExceeded``. A change cut
    /// short this way may still be applied.
    public func timeout(_ timeout: Duration) -> MembersAPI {
        MembersAPI(requester: requester, callTimeout: timeout)
    }

    /// Every member, in etcd's order (by ID). Members added but not started yet have an
    /// empty name and no client URLs.
    public func list() async throws -> [Member] {
        let (status, body, endpoint) = try await send(MembersRequestBuilder.list())
        return try MembersResponseDecoder.members(status: status, body: body, endpoint: endpoint)
    }

    /// The current leader, as the first member that answers sees it.
    ///
    /// Right after the leader fails, members may name it for up to an election timeout,
    /// until they notice; then they answer 503 until a new leader is elected.
    ///
    /// - Throws: ``EtcdMembersError`` of kind ``EtcdMembersError/Kind/noLeader`` when every
    ///   member that could be reached is without a leader (an election in progress, or no
    ///   quorum), rather than the opaque ``EtcdClusterError`` of the 503s.
    public func leader() async throws -> Member {
        do {
            let (status, body, endpoint) = try await send(MembersRequestBuilder.leader())
            return try MembersResponseDecoder.member(.leader, status: status, body: body, endpoint: endpoint)
        } catch let error as EtcdClusterError {
            throw MembersResponseDecoder.noLeader(from: error) ?? error
        }
    }

    /// Adds a member that will be reached at `peerURL`. Start its etcd afterwards with
    /// `--initial-cluster-state existing` and an `--initial-cluster` listing every member's
    /// name and peer URL, itself included; until then it counts towards the quorum without
    /// voting, so add one member at a time.
    ///
    /// - Parameter peerURL: `http(s)://host:port`, checked before sending.
    /// - Returns: The new member: its ID, no name and no client URLs yet.
    /// - Throws: ``EtcdMembersError`` of kind ``EtcdMembersError/Kind/invalidPeerURL`` (nothing
    ///   sent), ``EtcdMembersError/Kind/conflict`` if a member has that peer URL already.
    public func add(peerURL: String) async throws -> Member {
        let (status, body, endpoint) = try await send(try MembersRequestBuilder.add(peerURL: peerURL))
        return try MembersResponseDecoder.member(.add, status: status, body: body, endpoint: endpoint)
    }

    /// Replaces the peer URLs of member `id`. etcd does not restart the member: the other
    /// members dial the new URLs from now on, so the member must already listen there (or be
    /// restarted with matching `--listen-peer-urls`).
    ///
    /// - Throws: ``EtcdMembersError`` of kind ``EtcdMembersError/Kind/memberNotFound``,
    ///   ``EtcdMembersError/Kind/conflict`` (another member has one of the URLs), or
    ///   ``EtcdMembersError/Kind/invalidPeerURL`` (nothing sent).
    public func update(id: String, peerURLs: [String]) async throws {
        let (status, body, endpoint) = try await sendChange(try MembersRequestBuilder.update(id: id, peerURLs: peerURLs))
        try MembersResponseDecoder.updated(status: status, body: body, endpoint: endpoint)
    }

    /// Removes member `id` from the cluster; its etcd process stops itself once it learns.
    ///
    /// A member removed before (etcd answers 410 Gone) is not an error: the member is gone
    /// either way, as the Go client also decides; the result tells the two apart.
    ///
    /// - Throws: ``EtcdMembersError`` of kind ``EtcdMembersError/Kind/memberNotFound`` for an
    ///   ID that was never a member.
    @discardableResult
    public func remove(id: String) async throws -> MemberRemoval {
        let (status, body, endpoint) = try await sendChange(try MembersRequestBuilder.remove(id: id))
        return try MembersResponseDecoder.removal(status: status, body: body, endpoint: endpoint)
    }

    /// Sends an update or a remove, which go on to the next member after a 5xx; when every
    /// member refused, the refusal as an ``EtcdMembersError`` rather than the cluster error.
    private func sendChange(_ request: AdminRequest) async throws -> (status: Int, body: [UInt8], endpoint: String) {
        do {
            return try await send(request)
        } catch let error as EtcdClusterError {
            throw MembersResponseDecoder.changeRefused(from: error) ?? error
        }
    }

    private func send(_ request: AdminRequest) async throws -> (status: Int, body: [UInt8], endpoint: String) {
        try await requester.send(request, timeout: callTimeout)
    }
}

extension EtcdClient {
    /// The members API of the cluster.
    public var members: MembersAPI { MembersAPI(requester: requester) }
}
