// Object fields for the keys response parser: matching keys to fields without making
// strings, and keeping track of fields whose values did not fit.
//
// Semantics, shared by every object the parser reads (the top level and each node):
// - A key that appears more than once takes its last value. Go's encoding/json, which etcd
//   uses, does the same. (Foundation's JSONDecoder on Linux, used here before, kept the
//   first; etcd never sends duplicates, so only hand-made bodies can tell the difference.)
// - A value of the wrong type fails the object, unless a later duplicate of its key fits:
//   `{"key":1,"key":"/a"}` reads as `/a`, `{"key":"/a","key":1}` fails.
// - When several fields fail, the one reported is the first in the field enum's declaration
//   order, which is the order the old `Decodable` code decoded them in:
//   `{"value":2,"key":1}` reports `key`.
// - A key whose escapes spell a known name (`"\u006bey"`) is that field; any other key is
//   skipped with its value, whatever the value is.

/// The fields of one JSON object shape, matched against keys without making `String`s.
///
/// Declaration order is the order `JSONDecoder` decoded the fields in: when several fields
/// have the wrong type, the first in that order is the one reported.
protocol EtcdJSONField: Comparable {
    /// The field named `name` (unescaped UTF-8), or `nil` for a key to skip.
    init?(jsonName name: UnsafeBufferPointer<UInt8>)
}

extension EtcdJSONField {
    /// The field's JSON key, for error paths; the case names are the JSON keys.
    var jsonName: String { String(describing: self) }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes are exactly `name`'s UTF-8.
    ///
    /// Compared a machine word at a time (the last word overlapping the one before), as this
    /// runs for every key of every object in every response.
    @inline(__always)
    func isName(_ name: StaticString) -> Bool {
        let length = name.utf8CodeUnitCount
        guard count == length else { return false }
        guard let base = baseAddress, length > 0 else { return true }
        let actual = UnsafeRawPointer(base)
        let expected = UnsafeRawPointer(name.utf8Start)
        if length < 8 {
            if length < 4 {
                for index in 0..<length where self[index] != name.utf8Start[index] {
                    return false
                }
                return true
            }
            return actual.loadUnaligned(as: UInt32.self) == expected.loadUnaligned(as: UInt32.self)
                && actual.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
                    == expected.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
        }
        var offset = 0
        while offset + 8 < length {
            guard actual.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                == expected.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            else { return false }
            offset += 8
        }
        return actual.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            == expected.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
    }
}

/// The fields of one object that had a value of the wrong type, so that a later duplicate
/// key can still replace it, and the error reported is the first field's in declaration
/// order (as with `JSONDecoder`), not the first in the document.
///
/// Empty, as it nearly always is, it costs nothing: an empty array does not allocate.
struct EtcdJSONFieldFailures<Field: EtcdJSONField> {
    private var failures: [(field: Field, error: EtcdJSONError)] = []

    /// Forgets the failure of `field`: a later value for the key replaced it.
    ///
    /// - Parameter field: A field that was just read successfully.
    @inline(__always)
    mutating func clear(_ field: Field) {
        guard !failures.isEmpty else { return }
        failures.removeAll { $0.field == field }
    }

    /// Remembers that the value of `field` did not fit, replacing an earlier failure of it.
    ///
    /// - Parameters:
    ///   - error: The mismatch, with the path below the field.
    ///   - field: The field.
    mutating func record(_ error: EtcdJSONError, for field: Field) {
        clear(field)
        failures.append((field, error.inside(field.jsonName)))
    }

    /// The failure to report, its path starting at the field; `nil` when every field fit.
    var first: EtcdJSONError? {
        failures.min { $0.field < $1.field }?.error
    }
}
