import Foundation
import Glibc

/// The part of etcd's `GET /v2/members` the harness reads.
private struct MembersBody: Decodable {
    struct Member: Decodable {
        var id: String
        var name: String
        var peerURLs: [String]
    }

    var members: [Member]
}

extension EtcdCluster {
    /// Cuts member `member` off from its peers while its clients can still reach it.
    ///
    /// Needs a cluster started with `peerProxy: true`. From the moment this returns, the
    /// proxy refuses every new peer connection to the member and every raft request from
    /// it, and the member's live peer connections are shut down: to etcd it is a network
    /// partition. Its client port is untouched, so it still answers `/health` (with
    /// `503 {"health":"false"}` once it has no leader or cannot reach a quorum) and
    /// non-quorum reads (stale data). Isolating a member twice is harmless.
    ///
    /// While isolated the member is skipped by ``waitHealthy(timeout:)`` and ``leader()``,
    /// as a paused member is. ``restart(_:)`` keeps it isolated; a restarted isolated member
    /// accepts client connections but answers nothing until healed (etcd serves clients
    /// only once it has published itself through raft).
    ///
    /// - Throws: ``EtcdHarnessError/noPeerProxy``,
    ///   ``EtcdHarnessError/noSuchMember(index:memberCount:)``,
    ///   ``EtcdHarnessError/alreadyShutDown``.
    public func isolate(_ member: Int) throws {
        try proxyForIsolation(member).isolate(member)
    }

    /// Lets member `member`'s peer traffic through again; etcd reconnects on its own
    /// (its peers retry about every 100 ms). Healing a member that is not isolated is harmless.
    ///
    /// - Throws: The same errors as ``isolate(_:)``.
    public func heal(_ member: Int) throws {
        try proxyForIsolation(member).heal(member)
    }

    /// Whether member `member` is isolated by ``isolate(_:)``.
    public func isIsolated(_ member: Int) -> Bool {
        peerProxy?.isIsolated(member) ?? false
    }

    /// Member `member`'s etcd ID as etcd writes it (lowercase hex, e.g. in
    /// `/v2/stats/self`'s `leaderInfo.leader`); `nil` without a peer proxy (the harness
    /// only learns IDs for proxied clusters) or for an invalid index.
    public func memberID(_ member: Int) -> String? {
        guard let ids = peerProxy?.memberIDs, ids.indices.contains(member) else { return nil }
        return String(ids[member], radix: 16)
    }

    /// Whether member `member`'s client port accepts a TCP connection.
    func clientPortAccepts(_ member: Int) async -> Bool {
        let port = layout.members[member].clientPort
        return await Blocking.run {
            guard let fd = try? Socket.makeTCP() else { return false }
            defer { close(fd) }
            return (try? Socket.connect(fd, host: Socket.loopbackHostOrder, port: port)) != nil
        }
    }

    /// The peer proxy, after validating `member` and that the cluster still runs.
    private func proxyForIsolation(_ member: Int) throws -> PeerProxy {
        guard let peerProxy else { throw EtcdHarnessError.noPeerProxy }
        guard layout.members.indices.contains(member) else {
            throw EtcdHarnessError.noSuchMember(index: member, memberCount: memberCount)
        }
        guard !state.withLock({ $0.isShutDown }) else { throw EtcdHarnessError.alreadyShutDown }
        return peerProxy
    }

    /// Starts a ``PeerProxy`` for `layout`'s members and makes them advertise its ports.
    /// On failure the layout's folder is removed.
    static func startPeerProxy(for layout: inout ClusterLayout) throws -> PeerProxy {
        let proxy: PeerProxy
        do {
            proxy = try PeerProxy(targetPorts: layout.members.map(\.peerPort))
        } catch {
            try? FileManager.default.removeItem(atPath: layout.directory)
            throw EtcdHarnessError.startFailed("cannot start the peer proxy: \(error)")
        }
        for (index, port) in proxy.listenPorts.enumerated() { layout.members[index].peerProxyPort = port }
        return proxy
    }

    /// Every member's ID from `GET /v2/members`, in member order, checking that each
    /// advertises its proxy port. Asks each member in turn until one answers.
    func fetchMemberIDs() async throws -> [UInt64] {
        var problems: [String] = []
        for index in layout.members.indices {
            let url = plainClientURL(index) + "/v2/members"
            do {
                let reply = try await LoopbackHTTP.request("GET", url, timeout: .seconds(5))
                guard reply.status == 200 else {
                    throw EtcdHarnessError.startFailed("HTTP \(reply.status) \(reply.body)")
                }
                return try memberIDs(from: try JSONDecoder().decode(MembersBody.self, from: Data(reply.body.utf8)))
            } catch {
                problems.append("member \(index): \(error)")
            }
        }
        throw EtcdHarnessError.startFailed("cannot read member IDs: " + problems.joined(separator: "; "))
    }

    /// Matches `/v2/members` entries to the layout by name.
    private func memberIDs(from body: MembersBody) throws -> [UInt64] {
        try layout.members.map { member in
            guard let entry = body.members.first(where: { $0.name == member.name }) else {
                throw EtcdHarnessError.startFailed("\(member.name) missing from /v2/members")
            }
            guard entry.peerURLs == [member.advertisedPeerURL] else {
                throw EtcdHarnessError.startFailed(
                    "\(member.name) advertises \(entry.peerURLs), expected [\(member.advertisedPeerURL)]")
            }
            guard let id = PeerProxyCore.memberID(hex: entry.id) else {
                throw EtcdHarnessError.startFailed("\(member.name) has a non-hex ID \(entry.id.debugDescription)")
            }
            return id
        }
    }
}
