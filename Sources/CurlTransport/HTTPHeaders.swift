/// The fields of a response's header block, kept as the bytes that arrived.
///
/// Every response carries ten or eleven fields, and a client reads two or three of them, so
/// nothing becomes a `String` until it is asked for: the parser appends each field's name and
/// value bytes and their ranges, and ``first(named:)`` compares names byte by byte. Iterating
/// gives ``HTTPHeader`` values, in arrival order.
package struct HTTPHeaders: Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    private struct Field: Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    private var bytes: [UInt8] = []
    private var fields: [Field] = []

    package init() {}

    package init(_ headers: [HTTPHeader]) {
        for header in headers {
            var name = header.name
            var value = header.value
            name.withUTF8 { n in value.withUTF8 { v in append(name: UnsafeRawBufferPointer(n), value: UnsafeRawBufferPointer(v)) } }
        }
    }

    package init(arrayLiteral elements: HTTPHeader...) {
        self.init(elements)
    }

    package var count: Int { fields.count }
    package var isEmpty: Bool { fields.isEmpty }

    /// Adds a field. Names and values are taken as they are (the parser trims them).
    package mutating func append(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        reserveForFirstField()
        let nameStart = bytes.count
        bytes.append(contentsOf: name.assumingMemoryBound(to: UInt8.self))
        let valueStart = bytes.count
        bytes.append(contentsOf: value.assumingMemoryBound(to: UInt8.self))
        fields.append(
            Field(
                nameStart: Int32(truncatingIfNeeded: nameStart), nameEnd: Int32(truncatingIfNeeded: valueStart),
                valueStart: Int32(truncatingIfNeeded: valueStart), valueEnd: Int32(truncatingIfNeeded: bytes.count)))
    }

    /// Adds the field whose name and value are `line[name]` and `line[value]` (the value
    /// after the name): the bytes from the name's start to the value's end are copied at once,
    /// as this runs for every header line of every response.
    package mutating func append(name: Range<Int>, value: Range<Int>, of line: UnsafeRawBufferPointer) {
        reserveForFirstField()
        let start = bytes.count - name.lowerBound
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[name.lowerBound..<value.upperBound]))
        fields.append(
            Field(
                nameStart: Int32(truncatingIfNeeded: start + name.lowerBound),
                nameEnd: Int32(truncatingIfNeeded: start + name.upperBound),
                valueStart: Int32(truncatingIfNeeded: start + value.lowerBound),
                valueEnd: Int32(truncatingIfNeeded: start + value.upperBound)))
    }

    private mutating func reserveForFirstField() {
        if fields.isEmpty {
            // etcd sends ten or eleven fields (three of them CORS), about 400 bytes of lines:
            // one allocation each, none grown.
            bytes.reserveCapacity(512)
            fields.reserveCapacity(16)
        }
    }

    /// Extends the last field's value with `continuation` after one space (obsolete line
    /// folding); returns `false` when there is no field to extend.
    package mutating func appendToLastValue(_ continuation: UnsafeRawBufferPointer) -> Bool {
        guard var last = fields.popLast() else { return false }
        // The value moves to the end of the buffer, where it can grow.
        let start = bytes.count
        bytes.append(contentsOf: bytes[Int(last.valueStart)..<Int(last.valueEnd)])
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: continuation.assumingMemoryBound(to: UInt8.self))
        last.valueStart = Int32(truncatingIfNeeded: start)
        last.valueEnd = Int32(truncatingIfNeeded: bytes.count)
        fields.append(last)
        return true
    }

    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    /// The value of the first field named `name` (compared ASCII case-insensitively), if any.
    package func first(named name: String) -> String? {
        firstValue(named: name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of the value of the first field named `name` (compared ASCII
    /// case-insensitively), if any: for callers that parse the value (a number) without making
    /// a `String` of it. Not generic, so that callers in other modules do not go through
    /// unspecialized code (and the runtime's metadata lookups) on every response.
    package func firstValue(named name: String) -> ArraySlice<UInt8>? {
        var name = name
        return name.withUTF8 { firstValue(named: UnsafeRawBufferPointer($0)) }
    }

    /// ``firstValue(named:)-(String)`` for a name known at compile time.
    package func firstValue(named name: StaticString) -> ArraySlice<UInt8>? {
        firstValue(named: name.utf8Bytes)
    }

    private func firstValue(named wanted: UnsafeRawBufferPointer) -> ArraySlice<UInt8>? {
        let found = bytes.withUnsafeBytes { all -> Field? in
            for field in fields {
                let name = UnsafeRawBufferPointer(rebasing: all[Int(field.nameStart)..<Int(field.nameEnd)])
                if asciiCaseInsensitiveEquals(name, wanted) { return field }
            }
            return nil
        }
        return found.map { bytes[Int($0.valueStart)..<Int($0.valueEnd)] }
    }

    /// Calls `body` with each field's name and value bytes, in arrival order, until it
    /// returns `false`: for a caller that wants several fields, in one pass instead of one
    /// lookup each.
    package func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) {
        bytes.withUnsafeBytes { all in
            for field in fields {
                let name = UnsafeRawBufferPointer(rebasing: all[Int(field.nameStart)..<Int(field.nameEnd)])
                let value = UnsafeRawBufferPointer(rebasing: all[Int(field.valueStart)..<Int(field.valueEnd)])
                if !body(name, value) { return }
            }
        }
    }

    package func makeIterator() -> IndexingIterator<[HTTPHeader]> {
        fields.map { field in
            HTTPHeader(
                String(decoding: bytes[Int(field.nameStart)..<Int(field.nameEnd)], as: UTF8.self),
                String(decoding: bytes[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self))
        }.makeIterator()
    }

    package var description: String {
        "[" + map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "]"
    }
}

extension HTTPHeaders: Equatable {
    /// The same fields in the same order, however the bytes are laid out.
    package static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }
}
