/// A member of the etcd cluster, as `/v2/members` describes it.
///
/// ```json
/// {"id":"8e9e05c52164694d","name":"m1","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["http://127.0.0.1:2379"]}
/// ```
///
/// A member that was added but has not started yet has an empty ``name`` and no
/// ``clientURLs``; both appear once its process has joined the cluster.
public struct Member: Sendable, Hashable, Codable {
    /// The member's ID: lower-case hex without `0x`, e.g. `8e9e05c52164694d`.
    public var id: String
    /// The member's `--name`; empty until an added member has started.
    public var name: String
    /// The URLs the other members reach it at (`--initial-advertise-peer-urls`).
    public var peerURLs: [String]
    /// The URLs clients reach it at (`--advertise-client-urls`); empty until it has started.
    public var clientURLs: [String]

    /// Creates a member description, e.g. for a test double.
    ///
    /// - Parameters:
    ///   - id: The member's hex ID.
    ///   - name: The member's name.
    ///   - peerURLs: Its peer URLs.
    ///   - clientURLs: Its client URLs.
    public init(id: String, name: String, peerURLs: [String], clientURLs: [String]) {
        self.id = id
        self.name = name
        self.peerURLs = peerURLs
        self.clientURLs = clientURLs
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, peerURLs, clientURLs
    }

    /// Decodes etcd's JSON; a missing or `null` name or URL list reads as empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        peerURLs = try container.decodeIfPresent([String].self, forKey: .peerURLs) ?? []
        clientURLs = try container.decodeIfPresent([String].self, forKey: .clientURLs) ?? []
    }

    /// Whether the member has started and joined: it advertises client URLs.
    public var hasStarted: Bool { !clientURLs.isEmpty }
}

/// What ``MembersAPI/remove(id:)`` found.
public enum MemberRemoval: Sendable, Hashable {
    /// The member was removed by this call (HTTP 204).
    case removed
    /// The member had been removed before (HTTP 410 Gone): by another client, or by an
    /// earlier call whose answer was lost. Either way it is no longer in the cluster.
    case alreadyRemoved
}
