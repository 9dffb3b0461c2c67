import Foundation

/// Reading a ``Node`` straight from a keys API body with ``EtcdJSONReader``, with the same
/// results as its `Decodable` conformance: every field optional, `null` the same as absent,
/// the root's missing `key` read as `/`, `expiration` checked as RFC 3339.
extension Node {
    /// The JSON keys of a node, in the order `init(from:)` decodes them.
    enum Field: EtcdJSONField {
        case key, dir, value, nodes, createdIndex, modifiedIndex, ttl, expiration

        init?(jsonName name: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 3 where name.isName("key"): self = .key
            case 3 where name.isName("dir"): self = .dir
            case 3 where name.isName("ttl"): self = .ttl
            case 5 where name.isName("value"): self = .value
            case 5 where name.isName("nodes"): self = .nodes
            case 10 where name.isName("expiration"): self = .expiration
            case 12 where name.isName("createdIndex"): self = .createdIndex
            case 13 where name.isName("modifiedIndex"): self = .modifiedIndex
            default: return nil
            }
        }
    }

    /// Reads one node object.
    ///
    /// A key that appears twice takes its last value. A field of the wrong type fails the
    /// node, unless a later duplicate of the key is valid.
    ///
    /// - Parameter reader: A reader before the node's `{`.
    /// - Throws: A mismatch with the path from the node down (`nodes.[0].key`) for a value
    ///   that is not a node; a syntax error for bytes that are not JSON.
    init(reading reader: inout EtcdJSONReader) throws(EtcdJSONError) {
        var key: String?
        var isDirectory: Bool?
        var value: String?
        var nodes: [Node]?
        var createdIndex: UInt64?
        var modifiedIndex: UInt64?
        var ttl: Int64?
        var expiration: Date?
        var failures = EtcdJSONFieldFailures<Field>()

        var more = try reader.enterObject(expecting: "Dictionary<String, Any>")
        while more {
            if let field = try reader.readKey(Field.self) {
                let start = reader.mark
                do throws(EtcdJSONError) {
                    let isNull = reader.consumeNull()
                    switch field {
                    case .key: key = isNull ? nil : try reader.readString()
                    case .dir: isDirectory = isNull ? nil : try reader.readBool()
                    case .value: value = isNull ? nil : try reader.readString()
                    case .nodes: nodes = isNull ? nil : try Self.readNodes(&reader)
                    case .createdIndex: createdIndex = isNull ? nil : try reader.readInteger(UInt64.self)
                    case .modifiedIndex: modifiedIndex = isNull ? nil : try reader.readInteger(UInt64.self)
                    case .ttl: ttl = isNull ? nil : try reader.readInteger(Int64.self)
                    case .expiration: expiration = isNull ? nil : try Self.readExpiration(&reader)
                    }
                    failures.clear(field)
                } catch {
                    failures.record(try reader.skipMismatched(error, from: start), for: field)
                }
            } else {
                try reader.skipValue()
            }
            more = try reader.nextMember()
        }
        if let failure = failures.first { throw failure }
        self.init(
            key: key ?? "/", isDirectory: isDirectory ?? false, value: value, nodes: nodes,
            createdIndex: createdIndex ?? 0, modifiedIndex: modifiedIndex ?? 0,
            expiration: expiration, ttl: ttl)
    }

    /// Reads a `nodes` array; its elements must be node objects (`null` is not one).
    private static func readNodes(_ reader: inout EtcdJSONReader) throws(EtcdJSONError) -> [Node] {
        var nodes: [Node] = []
        var more = try reader.enterArray(expecting: "Array<Any>")
        while more {
            do throws(EtcdJSONError) {
                guard !reader.consumeNull() else { throw .expectedFoundNull("Dictionary<String, Any>") }
                nodes.append(try Node(reading: &reader))
            } catch {
                throw error.inside("[\(nodes.count)]")
            }
            more = try reader.nextElement()
        }
        return nodes
    }

    /// Reads an `expiration` string and parses it as an RFC 3339 timestamp.
    private static func readExpiration(_ reader: inout EtcdJSONReader) throws(EtcdJSONError) -> Date {
        let text = try reader.readString()
        guard let date = RFC3339.date(from: text) else {
            throw .mismatch(path: [], problem: "\"\(text)\" is not an RFC 3339 timestamp")
        }
        return date
    }
}
