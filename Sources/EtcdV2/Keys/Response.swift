/// A successful answer of etcd's v2 keys API, or one watch event.
///
/// ``action``, ``node`` and ``prevNode`` come from the JSON body; the indexes and the
/// cluster ID come from the response headers.
///
/// - ``node`` is `nil` when etcd sent none: a write with `noValueOnSuccess=true` answers
///   just `{"action":"set"}`.
/// - ``index`` is the etcd index when the server answered. For a watch it is the index at
///   which the watch was registered, usually *below* the event's `node.modifiedIndex`.
public struct Response: Sendable, Hashable, Codable {
    /// What the request or event did.
    public var action: Action
    /// The node after the action; `nil` when etcd sent none.
    public var node: Node?
    /// The node before the action, for writes and deletes that replaced or removed one.
    public var prevNode: Node?
    /// The `X-Etcd-Index` header; `nil` when it is missing or not a number.
    public var index: UInt64?
    /// The `X-Etcd-Cluster-Id` header (hexadecimal); `nil` when it is missing or empty.
    public var clusterID: String?
    /// The `X-Raft-Index` header; `nil` when it is missing or not a number.
    public var raftIndex: UInt64?
    /// The `X-Raft-Term` header; `nil` when it is missing or not a number.
    public var raftTerm: UInt64?

    /// Creates a response, e.g. for a test double.
    ///
    /// - Parameters:
    ///   - action: What the request or event did.
    ///   - node: The node after the action, or `nil`.
    ///   - prevNode: The node before the action, or `nil`.
    ///   - index: The etcd index (`X-Etcd-Index`), or `nil`.
    ///   - clusterID: The cluster ID (`X-Etcd-Cluster-Id`), or `nil`.
    ///   - raftIndex: The raft index (`X-Raft-Index`), or `nil`.
    ///   - raftTerm: The raft term (`X-Raft-Term`), or `nil`.
    public init(
        action: Action,
        node: Node? = nil,
        prevNode: Node? = nil,
        index: UInt64? = nil,
        clusterID: String? = nil,
        raftIndex: UInt64? = nil,
        raftTerm: UInt64? = nil
    ) {
        self.action = action
        self.node = node
        self.prevNode = prevNode
        self.index = index
        self.clusterID = clusterID
        self.raftIndex = raftIndex
        self.raftTerm = raftTerm
    }
}

/// What an etcd v2 response or watch event did to the key space (the JSON `action`).
///
/// An action etcd adds in the future arrives as ``unknown(_:)`` with its string, rather than
/// failing the decoding. Two actions are equal when their ``rawValue``s are, so
/// `Action.unknown("set") == .set`.
public enum Action: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// A read (`get`).
    case get
    /// An unconditional write (`set`), which replaces the node (its `createdIndex` changes).
    case set
    /// A create: `prevExist=false`, or a `POST` that created an in-order key (`create`).
    case create
    /// A write to an existing key: `prevExist=true`, or a refresh (`update`).
    case update
    /// A deletion (`delete`), also of an ancestor directory seen by a watch.
    case delete
    /// A write conditional on `prevValue` or `prevIndex` (`compareAndSwap`).
    case compareAndSwap
    /// A deletion conditional on `prevValue` or `prevIndex` (`compareAndDelete`).
    case compareAndDelete
    /// A TTL ran out (`expire`); only watches see it.
    case expire
    /// An action this client does not know, kept verbatim.
    case unknown(String)

    /// Maps etcd's string to its case; any other string becomes ``unknown(_:)``.
    ///
    /// - Parameter rawValue: The JSON `action`, e.g. `"compareAndSwap"`.
    public init(rawValue: String) {
        switch rawValue {
        case "get": self = .get
        case "set": self = .set
        case "create": self = .create
        case "update": self = .update
        case "delete": self = .delete
        case "compareAndSwap": self = .compareAndSwap
        case "compareAndDelete": self = .compareAndDelete
        case "expire": self = .expire
        default: self = .unknown(rawValue)
        }
    }

    /// etcd's string for the action, e.g. `"compareAndSwap"`.
    public var rawValue: String {
        switch self {
        case .get: "get"
        case .set: "set"
        case .create: "create"
        case .update: "update"
        case .delete: "delete"
        case .compareAndSwap: "compareAndSwap"
        case .compareAndDelete: "compareAndDelete"
        case .expire: "expire"
        case .unknown(let value): value
        }
    }

    /// etcd's string for the action.
    public var description: String { rawValue }

    /// Compares the actions by ``rawValue``.
    public static func == (lhs: Action, rhs: Action) -> Bool {
        lhs.rawValue == rhs.rawValue
    }

    /// Hashes the ``rawValue``.
    ///
    /// - Parameter hasher: The hasher to feed.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawValue)
    }

    /// Decodes the action from a JSON string.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError` when the value is not a string.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the action as its JSON string.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever `encoder` throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
