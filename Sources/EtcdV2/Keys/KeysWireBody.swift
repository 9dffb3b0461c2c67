/// Everything a keys API body may hold: an event (`action`, `node`, `prevNode`) or an error
/// (`errorCode`, `message`, `cause`, `index`), read straight from the bytes.
///
/// Every field is optional and `null` counts as absent; unknown keys are skipped, whatever
/// their values. A field of the wrong type fails the whole body, as with `JSONDecoder`:
/// a string `errorCode`, a negative or fractional index, a `node` that is not an object.
/// A key that appears twice takes its last value.
///
/// This replaces `JSONDecoder().decode(_:from:)`, which was the largest user-space cost of a
/// request; ``EtcdJSONReader`` reads the same shapes without building an intermediate tree.
struct KeysWireBody: Sendable {
    /// The event's action; `nil` in an error body.
    var action: Action?
    /// The node the event is about.
    var node: Node?
    /// The node before the event, for writes that replaced or deleted one.
    var prevNode: Node?
    /// The etcd error code of an error body.
    var errorCode: Int?
    /// The error's message.
    var message: String?
    /// The error's cause, often the key.
    var cause: String?
    /// The etcd index an error body reports.
    var index: UInt64?

    /// The top-level JSON keys, in the order `JSONDecoder` decoded them.
    enum Field: EtcdJSONField {
        case action, node, prevNode, errorCode, message, cause, index

        init?(jsonName name: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 4 where name.isName("node"): self = .node
            case 5 where name.isName("index"): self = .index
            case 5 where name.isName("cause"): self = .cause
            case 6 where name.isName("action"): self = .action
            case 7 where name.isName("message"): self = .message
            case 8 where name.isName("prevNode"): self = .prevNode
            case 9 where name.isName("errorCode"): self = .errorCode
            default: return nil
            }
        }
    }

    /// Reads a whole body.
    ///
    /// - Parameter body: The response body, UTF-8 JSON.
    /// - Throws: ``EtcdJSONError/malformed(_:offset:)`` when the body is not one JSON value
    ///   (empty, truncated, trailing data, …); ``EtcdJSONError/mismatch(path:problem:)`` when
    ///   it is JSON but not an object of etcd's shape.
    init(parsing body: [UInt8]) throws(EtcdJSONError) {
        self.init()
        // Read into `self` in place: a local body assigned to `self` at the end was copied
        // and destroyed, nodes and all.
        try body.withUnsafeBufferPointer { (bytes) throws(EtcdJSONError) in
            var reader = EtcdJSONReader(bytes)
            try reader.readDocument { (reader) throws(EtcdJSONError) in
                guard !reader.consumeNull() else { throw .expectedFoundNull("Dictionary<String, Any>") }
                try self.read(from: &reader)
            }
        }
    }

    private init() {}

    /// Reads the top-level object into `self`.
    private mutating func read(from reader: inout EtcdJSONReader) throws(EtcdJSONError) {
        var failures = EtcdJSONFieldFailures<Field>()
        var more = try reader.enterObject(expecting: "Dictionary<String, Any>")
        while more {
            if let field = try reader.readKey(Field.self) {
                let start = reader.mark
                do throws(EtcdJSONError) {
                    let isNull = reader.consumeNull()
                    switch field {
                    case .action: action = isNull ? nil : try reader.readStringContent { Action(jsonBytes: $0) }
                    case .node: node = isNull ? nil : try Node(reading: &reader)
                    case .prevNode: prevNode = isNull ? nil : try Node(reading: &reader)
                    case .errorCode: errorCode = isNull ? nil : try reader.readInteger(Int.self)
                    case .message: message = isNull ? nil : try reader.readString()
                    case .cause: cause = isNull ? nil : try reader.readString()
                    case .index: index = isNull ? nil : try reader.readInteger(UInt64.self)
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
    }
}

extension Action {
    /// The action named by `bytes` (a JSON string's valid UTF-8 content), as
    /// ``init(rawValue:)`` maps it, without making a `String` for a known action.
    init(jsonBytes bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 3 where bytes.isName("get"): self = .get
        case 3 where bytes.isName("set"): self = .set
        case 6 where bytes.isName("create"): self = .create
        case 6 where bytes.isName("update"): self = .update
        case 6 where bytes.isName("delete"): self = .delete
        case 6 where bytes.isName("expire"): self = .expire
        case 14 where bytes.isName("compareAndSwap"): self = .compareAndSwap
        case 16 where bytes.isName("compareAndDelete"): self = .compareAndDelete
        default: self = .unknown(String(decoding: bytes, as: UTF8.self))
        }
    }
}
