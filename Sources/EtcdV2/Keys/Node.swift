public import Foundation

/// One node of etcd's v2 key space: a file (a key with a value) or a directory.
///
/// The JSON keys are etcd's own (`key`, `dir`, `value`, `nodes`, `createdIndex`,
/// `modifiedIndex`, `expiration`, `ttl`), so a node decodes straight from a v2 response body
/// and encodes back to the same shape.
///
/// etcd leaves out every field it has no value for. This type keeps that distinction where
/// it matters:
/// - ``value`` is `nil` for a directory and for the node of a `delete` or `expire` event,
///   and `""` for a file whose value is the empty string.
/// - ``nodes`` is `nil` for a file, for an empty directory and for a directory read without
///   its children.
/// - The root directory, which etcd sends without `key` and indexes, has the key `"/"` and
///   both indexes `0`.
public struct Node: Sendable, Hashable, Codable {
    /// The node's full key, starting with `/`, e.g. `/dir/a`.
    public var key: String
    /// Whether the node is a directory (JSON `dir`).
    public var isDirectory: Bool
    /// The value of a file; `nil` when etcd sent none (directories, delete and expire events).
    public var value: String?
    /// The children of a directory read with them; `nil` when etcd sent none.
    public var nodes: [Node]?
    /// The etcd index at which the node was created.
    public var createdIndex: UInt64
    /// The etcd index of the node's last modification.
    public var modifiedIndex: UInt64
    /// When the node expires, if it has a TTL.
    public var expiration: Date?
    /// The whole seconds left until ``expiration``, rounded up by the server.
    public var ttl: Int64?

    /// Creates a node; every field but the key has the value etcd implies when it omits it.
    ///
    /// - Parameters:
    ///   - key: The node's full key.
    ///   - isDirectory: Whether the node is a directory.
    ///   - value: The value of a file, or `nil`.
    ///   - nodes: The children of a directory, or `nil`.
    ///   - createdIndex: The etcd index at which the node was created.
    ///   - modifiedIndex: The etcd index of the node's last modification.
    ///   - expiration: When the node expires, or `nil`.
    ///   - ttl: The seconds left until `expiration`, or `nil`.
    public init(
        key: String,
        isDirectory: Bool = false,
        value: String? = nil,
        nodes: [Node]? = nil,
        createdIndex: UInt64 = 0,
        modifiedIndex: UInt64 = 0,
        expiration: Date? = nil,
        ttl: Int64? = nil
    ) {
        self.key = key
        self.isDirectory = isDirectory
        self.value = value
        self.nodes = nodes
        self.createdIndex = createdIndex
        self.modifiedIndex = modifiedIndex
        self.expiration = expiration
        self.ttl = ttl
    }

    private enum CodingKeys: String, CodingKey {
        case key
        case isDirectory = "dir"
        case value
        case nodes
        case createdIndex
        case modifiedIndex
        case expiration
        case ttl
    }

    /// Decodes a node from etcd's JSON, where every field is optional.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError` when a field has the wrong type or `expiration` is not an
    ///   RFC 3339 timestamp.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decodeIfPresent(String.self, forKey: .key) ?? "/"
        isDirectory = try container.decodeIfPresent(Bool.self, forKey: .isDirectory) ?? false
        value = try container.decodeIfPresent(String.self, forKey: .value)
        nodes = try container.decodeIfPresent([Node].self, forKey: .nodes)
        createdIndex = try container.decodeIfPresent(UInt64.self, forKey: .createdIndex) ?? 0
        modifiedIndex = try container.decodeIfPresent(UInt64.self, forKey: .modifiedIndex) ?? 0
        ttl = try container.decodeIfPresent(Int64.self, forKey: .ttl)
        if let text = try container.decodeIfPresent(String.self, forKey: .expiration) {
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .expiration, in: container,
                    debugDescription: "\"\(text)\" is not an RFC 3339 timestamp")
            }
            expiration = date
        } else {
            expiration = nil
        }
    }

    /// Encodes the node in etcd's JSON shape, leaving out what etcd would leave out.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: `EncodingError.invalidValue` for an ``expiration`` outside the years
    ///   0000–9999; otherwise whatever `encoder` throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        if isDirectory { try container.encode(true, forKey: .isDirectory) }
        try container.encodeIfPresent(value, forKey: .value)
        try container.encodeIfPresent(nodes, forKey: .nodes)
        try container.encode(createdIndex, forKey: .createdIndex)
        try container.encode(modifiedIndex, forKey: .modifiedIndex)
        if let expiration {
            guard let text = RFC3339.string(from: expiration) else {
                throw EncodingError.invalidValue(
                    expiration,
                    EncodingError.Context(
                        codingPath: container.codingPath + [CodingKeys.expiration],
                        debugDescription: "RFC 3339 cannot write a year outside 0000–9999"))
            }
            try container.encode(text, forKey: .expiration)
        }
        try container.encodeIfPresent(ttl, forKey: .ttl)
    }
}
