// Small byte-level helpers the keys layer's hot paths share: they run for every request and
// every response, so they work on UTF-8 buffers instead of `String`s and their iterators.

/// Calls `body` with `string`'s UTF-8 bytes, without copying a native string (small strings
/// are copied to the stack by the standard library).
@inline(__always)
func withUTF8Bytes<Result>(of string: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = string
    return copy.withUTF8(body)
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes as an unsigned decimal number, spaces and tabs around it ignored; `nil` when
    /// empty, signed, above `UInt64.max`, or not a number.
    @inline(__always)
    func decimalUInt64() -> UInt64? {
        var value: UInt64 = 0
        var sawDigit = false
        var sawSpaceAfterDigits = false
        for byte in self {
            if byte == 0x20 || byte == 0x09 {
                sawSpaceAfterDigits = sawDigit
                continue
            }
            let digit = byte &- 0x30
            guard digit < 10, !sawSpaceAfterDigits else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            sawDigit = true
        }
        return sawDigit ? value : nil
    }
}

/// Writes a request's path, query or form into memory sized in advance, or only measures
/// how much it may write, so that each is built in one pass into one buffer: every builder
/// runs the same code twice, first with ``measuring()`` for an upper bound of the size (each
/// escaped byte counted as `%XX`, each number as 20 digits), then with the buffer.
///
/// Writing past the buffer traps (a measuring bug), it never overwrites memory.
struct KeysByteWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private let isMeasuring: Bool
    /// The bytes written so far; when measuring, an upper bound of them.
    private(set) var count = 0
    /// Whether a form field was written, so that the next one needs its `&`.
    private var hasField = false

    /// A writer into `buffer`, from its start.
    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
        self.isMeasuring = false
    }

    private init(measuringOnly: Void) {
        self.buffer = UnsafeMutableBufferPointer(start: nil, count: 0)
        self.isMeasuring = true
    }

    /// A writer that writes nothing and measures an upper bound of what it would write.
    static func measuring() -> KeysByteWriter { KeysByteWriter(measuringOnly: ()) }

    /// Appends one byte.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if !isMeasuring {
            precondition(count < buffer.count, "KeysByteWriter: buffer too small")
            buffer[count] = byte
        }
        count += 1
    }

    /// Appends `bytes` as they are.
    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if !isMeasuring, let source = bytes.baseAddress, let target = buffer.baseAddress {
            precondition(bytes.count <= buffer.count - count, "KeysByteWriter: buffer too small")
            (target + count).update(from: source, count: bytes.count)
        }
        count += bytes.count
    }

    /// Appends ASCII text as it is.
    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends raw bytes as they are.
    @inline(__always)
    private mutating func append(raw bytes: UnsafeRawBufferPointer) {
        if !isMeasuring, let source = bytes.baseAddress, let target = buffer.baseAddress {
            precondition(bytes.count <= buffer.count - count, "KeysByteWriter: buffer too small")
            UnsafeMutableRawPointer(target + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Appends `value` in decimal.
    mutating func append(decimal value: UInt64) {
        if isMeasuring {
            count += 20  // UInt64.max has 20 digits
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var rest = value
            var index = raw.count
            repeat {
                index -= 1
                raw[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest != 0
            append(raw: UnsafeRawBufferPointer(rebasing: raw[index...]))
        }
    }

    /// Appends `value` in decimal, with a `-` when negative.
    mutating func append(decimal value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        append(decimal: value.magnitude)
    }

    /// Appends `bytes` percent-encoded: RFC 3986's unreserved bytes (and `/` when
    /// `keepSlash`) as they are, a space as `+` when `spaceAsPlus`, anything else as `%XX`
    /// (upper-case hex). Runs of kept bytes are copied at once.
    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, keepSlash: Bool, spaceAsPlus: Bool) {
        if isMeasuring {
            count += 3 * bytes.count
            return
        }
        var runStart = 0
        var index = 0
        for byte in bytes {
            index &+= 1
            if PercentEncoding.isKept(byte, keepSlash: keepSlash) { continue }
            if runStart < index &- 1 { append(UnsafeBufferPointer(rebasing: bytes[runStart..<index &- 1])) }
            runStart = index
            if spaceAsPlus && byte == UInt8(ascii: " ") {
                append(UInt8(ascii: "+"))
            } else {
                append(UInt8(ascii: "%"))
                append(Self.hexDigit(byte >> 4))
                append(Self.hexDigit(byte & 0x0F))
            }
        }
        if runStart < bytes.count { append(UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") - 10 + nibble
    }

    // MARK: Form fields

    /// Appends `&` unless this is the first field.
    @inline(__always)
    private mutating func separateField() {
        if hasField { append(UInt8(ascii: "&")) }
        hasField = true
    }

    /// Appends the field `name=value`, both form-encoded.
    mutating func appendFormField(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        separateField()
        appendEscaped(name, keepSlash: false, spaceAsPlus: true)
        append(UInt8(ascii: "="))
        appendEscaped(value, keepSlash: false, spaceAsPlus: true)
    }

    /// Appends the field `name=value`; both must be unreserved ASCII (`true`, `false`).
    @inline(__always)
    mutating func appendFormField(_ name: StaticString, _ value: StaticString) {
        separateField()
        append(name)
        append(UInt8(ascii: "="))
        append(value)
    }

    /// Appends the field `name=value` with `value` form-encoded; `name` must be unreserved
    /// ASCII.
    @inline(__always)
    mutating func appendFormField(_ name: StaticString, escaping value: String) {
        separateField()
        append(name)
        append(UInt8(ascii: "="))
        withUTF8Bytes(of: value) { appendEscaped($0, keepSlash: false, spaceAsPlus: true) }
    }

    /// Appends the field `name=value` with `value` in decimal; `name` must be unreserved ASCII.
    @inline(__always)
    mutating func appendFormField(_ name: StaticString, decimal value: UInt64) {
        separateField()
        append(name)
        append(UInt8(ascii: "="))
        append(decimal: value)
    }

    /// Appends the field `name=value` with `value` in decimal; `name` must be unreserved ASCII.
    @inline(__always)
    mutating func appendFormField(_ name: StaticString, decimal value: Int64) {
        separateField()
        append(name)
        append(UInt8(ascii: "="))
        append(decimal: value)
    }

    /// Starts a new list of form fields (after the `?` of a query): the next field has no `&`.
    mutating func startFields() {
        hasField = false
    }

    /// Whether any field was written since ``startFields()``.
    var wroteField: Bool { hasField }
}
