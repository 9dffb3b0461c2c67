import CurlTransport

/// One keys API request, built but not sent: everything the transport needs but the endpoint
/// and the timeouts.
///
/// Built by ``KeysRequestBuilder``; pure data, so tests compare requests byte for byte.
struct KeysRequest: Sendable, Equatable {
    /// The HTTP method.
    var method: HTTPMethod
    /// The escaped path and query, e.g. `/v2/keys/foo%20bar?prevExist=false`.
    var pathAndQuery: String
    /// The form body of a `PUT` or `POST` (possibly empty); `nil` for `GET` and `DELETE`.
    var body: [UInt8]?
    /// Whether sending the request twice is harmless: reads and watches only.
    var isIdempotent: Bool
    /// Whether the request is a watch, which may wait indefinitely for its answer.
    var isLongPoll: Bool

    /// The content type of every keys API body.
    static let formContentType = "application/x-www-form-urlencoded"

    /// The headers the request needs: `Content-Type` when it has a body.
    ///
    /// Go's client also sends it on bodiless `DELETE`s; etcd ignores it there.
    var headers: [HTTPHeader] {
        body == nil ? [] : Self.formHeaders
    }

    /// The headers of a request with a body, made once.
    private static let formHeaders = [HTTPHeader("Content-Type", formContentType)]

    /// The body as text, for logs and tests.
    var bodyText: String? {
        body.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The path without the query, for logs.
    var path: Substring {
        pathAndQuery.prefix { $0 != "?" }
    }
}

extension KeysRequest {
    /// A request whose path and query are already escaped.
    init(method: HTTPMethod, pathAndQuery: String, isIdempotent: Bool) {
        self.method = method
        self.pathAndQuery = pathAndQuery
        self.body = nil
        self.isIdempotent = isIdempotent
        self.isLongPoll = false
    }

    /// A request for `path` with `query` pairs (form-encoded, in the given order) and an
    /// optional form body.
    init(
        method: HTTPMethod,
        path: String,
        query: [(name: String, value: String)] = [],
        form: [(name: String, value: String)]? = nil,
        isIdempotent: Bool = false,
        isLongPoll: Bool = false
    ) {
        self.method = method
        self.pathAndQuery = query.isEmpty ? path : path + "?" + PercentEncoding.form(query)
        self.body = form.map { Array(PercentEncoding.form($0).utf8) }
        self.isIdempotent = isIdempotent
        self.isLongPoll = isLongPoll
    }

    /// A request without a body, for the checked `path` and its query fields written by
    /// `query` (none: no `?`).
    init(
        method: HTTPMethod,
        path: EtcdKeyPath.Escaped,
        query: (inout KeysByteWriter) -> Void,
        isIdempotent: Bool = false,
        isLongPoll: Bool = false
    ) {
        self.init(
            method: method, path: path, query: query, hasForm: false, form: { _ in }, isIdempotent: isIdempotent,
            isLongPoll: isLongPoll)
    }

    /// A request for the checked `path`, its query fields written by `query` (none: no `?`)
    /// and its form body by `form`, each in one allocation of the right size.
    ///
    /// `query` and `form` run twice, once to measure the bytes and once to write them, and
    /// must write the same fields both times. (`form` is not an optional closure: an optional
    /// one is escaping, and its context was allocated on the heap for every request.)
    init(
        method: HTTPMethod,
        path: EtcdKeyPath.Escaped,
        query: (inout KeysByteWriter) -> Void,
        form: (inout KeysByteWriter) -> Void,
        isIdempotent: Bool = false,
        isLongPoll: Bool = false
    ) {
        self.init(
            method: method, path: path, query: query, hasForm: true, form: form, isIdempotent: isIdempotent,
            isLongPoll: isLongPoll)
    }

    private init(
        method: HTTPMethod,
        path: EtcdKeyPath.Escaped,
        query: (inout KeysByteWriter) -> Void,
        hasForm: Bool,
        form: (inout KeysByteWriter) -> Void,
        isIdempotent: Bool,
        isLongPoll: Bool
    ) {
        var queryBound = KeysByteWriter.measuring()
        query(&queryBound)
        let queryCount = queryBound.wroteField ? 1 + queryBound.count : 0
        self.method = method
        self.pathAndQuery = String(unsafeUninitializedCapacity: path.count + queryCount) { buffer in
            var writer = KeysByteWriter(buffer)
            path.write(to: &writer)
            if queryCount > 0 {
                writer.append(UInt8(ascii: "?"))
                writer.startFields()
                query(&writer)
            }
            return writer.count
        }
        self.body = !hasForm ? nil : {
            var formBound = KeysByteWriter.measuring()
            form(&formBound)
            // Written on the stack and copied: `Array(unsafeUninitializedCapacity:)` looks up
            // the array storage's generic metadata on every call (Swift 6.3, Linux), which
            // costs more than the copy.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: formBound.count) { buffer in
                var writer = KeysByteWriter(buffer)
                form(&writer)
                return Array(UnsafeBufferPointer(rebasing: buffer[..<writer.count]))
            }
        }()
        self.isIdempotent = isIdempotent
        self.isLongPoll = isLongPoll
    }
}

/// Builds the requests of the keys API, with the parameters the Go client sends.
///
/// Where each parameter goes (Go's `client/keys.go`; etcd merges query and form, form wins):
///
/// | Request | Query | Form body |
/// |---|---|---|
/// | get | `quorum`, `recursive`, `sorted` (each if `true`) | none |
/// | watch | `recursive=true` (if set), `wait=true`, `waitIndex` (if known) | none |
/// | set, create, update | `dir`, `noValueOnSuccess`, `prevExist`, `prevIndex`, `prevValue` (each if set) | `refresh`, `ttl` (if set), `value` (always, but not for a directory) |
/// | refresh | `prevExist=true` | `refresh=true&ttl=N`, no `value` |
/// | createInOrder (`POST`) | none | `ttl` (if set), `value` |
/// | delete | `dir`, `prevIndex`, `prevValue`, `recursive` (each if set) | none |
///
/// Parameters are sorted by name, as Go's `url.Values.Encode` sorts them, and joined with `&`.
/// Every builder throws ``EtcdKeyError`` for a key or prefix etcd would rewrite, and
/// ``EtcdOptionError`` for an option etcd cannot express: a TTL that is not whole seconds of
/// at least one, an empty `prevValue`, a `prevIndex` of 0, and so on.
///
/// Each request is written straight into its path-and-query `String` and its body bytes,
/// without intermediate strings or pair arrays: this runs for every request.
enum KeysRequestBuilder {
    /// A read of `key`.
    static func get(key: String, options: GetOptions = GetOptions(), prefix: String = EtcdKeyPath.defaultPrefix) throws
        -> KeysRequest
    {
        let path = try EtcdKeyPath.Escaped(prefix: prefix, key: key)
        let query = getQuery(quorum: options.quorum, recursive: options.recursive, sorted: options.sorted)
        let pathAndQuery = String(unsafeUninitializedCapacity: path.count + query.utf8CodeUnitCount) { buffer in
            var writer = KeysByteWriter(buffer)
            path.write(to: &writer)
            writer.append(query)
            return writer.count
        }
        return KeysRequest(method: .get, pathAndQuery: pathAndQuery, isIdempotent: true)
    }

    /// The query of a read: only the flags that are set (`?quorum=true&recursive=true`, …),
    /// nothing for a plain read. Go's client always sends all three (`…=false` included);
    /// etcd reads a missing flag as `false`, and a URL without a query is cheaper for libcurl
    /// to build and for etcd to parse.
    static func getQuery(quorum: Bool, recursive: Bool, sorted: Bool) -> StaticString {
        switch (quorum, recursive, sorted) {
        case (false, false, false): ""
        case (false, false, true): "?sorted=true"
        case (false, true, false): "?recursive=true"
        case (false, true, true): "?recursive=true&sorted=true"
        case (true, false, false): "?quorum=true"
        case (true, false, true): "?quorum=true&sorted=true"
        case (true, true, false): "?quorum=true&recursive=true"
        case (true, true, true): "?quorum=true&recursive=true&sorted=true"
        }
    }

    /// A write of `value` to `key`, conditional on `options`.
    static func set(key: String, value: String, options: SetOptions = SetOptions(), prefix: String = EtcdKeyPath.defaultPrefix)
        throws -> KeysRequest
    {
        let path = try EtcdKeyPath.Escaped(prefix: prefix, key: key)
        try validate(prevValue: options.prevValue, prevIndex: options.prevIndex)
        if options.dir {
            if options.prevValue != nil { throw EtcdOptionError(kind: .prevValueOnDirectory) }
            if !value.isEmpty { throw EtcdOptionError(kind: .valueOnDirectory) }
        }
        let ttl = try FormTTL(options.ttl)
        // The fields the closures read, taken out of `options` so that it is not copied.
        let (dir, noValueOnSuccess, refresh) = (options.dir, options.noValueOnSuccess, options.refresh)
        let (prevExist, prevIndex, prevValue) = (options.prevExist, options.prevIndex, options.prevValue)

        return KeysRequest(
            method: .put, path: path,
            query: { writer in
                if dir { writer.appendFormField("dir", "true") }
                if noValueOnSuccess { writer.appendFormField("noValueOnSuccess", "true") }
                if let prevExist { writer.appendFormField("prevExist", prevExist == .exists ? "true" : "false") }
                if let prevIndex { writer.appendFormField("prevIndex", decimal: prevIndex) }
                if let prevValue { writer.appendFormField("prevValue", escaping: prevValue) }
            },
            form: { writer in
                if refresh { writer.appendFormField("refresh", "true") }
                ttl.write(to: &writer)
                if !dir { writer.appendFormField("value", escaping: value) }
            })
    }

    /// A write that succeeds only if `key` does not exist yet (`prevExist=false`).
    static func create(key: String, value: String, ttl: TTL? = nil, prefix: String = EtcdKeyPath.defaultPrefix) throws
        -> KeysRequest
    {
        try set(key: key, value: value, options: SetOptions(prevExist: .notExists, ttl: ttl), prefix: prefix)
    }

    /// A write that succeeds only if `key` exists (`prevExist=true`).
    static func update(key: String, value: String, ttl: TTL? = nil, prefix: String = EtcdKeyPath.defaultPrefix) throws
        -> KeysRequest
    {
        try set(key: key, value: value, options: SetOptions(prevExist: .exists, ttl: ttl), prefix: prefix)
    }

    /// A `POST` that creates a key named after the next etcd index inside `directory`
    /// (creating the directory if needed). Not idempotent: a second send makes a second key.
    static func createInOrder(
        directory: String, value: String, ttl: TTL? = nil, prefix: String = EtcdKeyPath.defaultPrefix
    ) throws -> KeysRequest {
        let path = try EtcdKeyPath.Escaped(prefix: prefix, key: directory)
        let ttl = try FormTTL(ttl)
        return KeysRequest(
            method: .post, path: path, query: { _ in },
            form: { writer in
                ttl.write(to: &writer)
                writer.appendFormField("value", escaping: value)
            })
    }

    /// A deletion of `key`, conditional on `options`.
    static func delete(key: String, options: DeleteOptions = DeleteOptions(), prefix: String = EtcdKeyPath.defaultPrefix)
        throws -> KeysRequest
    {
        let path = try EtcdKeyPath.Escaped(prefix: prefix, key: key)
        try validate(prevValue: options.prevValue, prevIndex: options.prevIndex)
        return KeysRequest(
            method: .delete, path: path,
            query: { writer in
                if options.dir { writer.appendFormField("dir", "true") }
                if let prevIndex = options.prevIndex { writer.appendFormField("prevIndex", decimal: prevIndex) }
                if let prevValue = options.prevValue { writer.appendFormField("prevValue", escaping: prevValue) }
                if options.recursive { writer.appendFormField("recursive", "true") }
            })
    }

    /// A new TTL for an existing `key` that keeps its value and `createdIndex` and notifies no
    /// watcher: `refresh=true&ttl=N` with `prevExist=true` and no value, so a missing key
    /// fails with error 100 instead of being created.
    static func refresh(key: String, ttl: Duration, prefix: String = EtcdKeyPath.defaultPrefix) throws -> KeysRequest {
        let path = try EtcdKeyPath.Escaped(prefix: prefix, key: key)
        let seconds = try TTL.wholeSeconds(ttl)
        return KeysRequest(
            method: .put, path: path,
            query: { writer in writer.appendFormField("prevExist", "true") },
            form: { writer in
                writer.appendFormField("refresh", "true")
                writer.appendFormField("ttl", decimal: seconds)
            })
    }

    /// A long poll for the next change of `key`.
    ///
    /// - `waitIndex` is the index to wait from, as a watcher tracks it (the last event's
    ///   `modifiedIndex + 1`); when `nil`, `options.afterIndex + 1` is used, and when that is
    ///   `nil` too, no `waitIndex` is sent and etcd waits for the next change.
    static func watch(
        key: String, options: WatchOptions = WatchOptions(), waitIndex: UInt64? = nil,
        prefix: String = EtcdKeyPath.defaultPrefix
    ) throws -> KeysRequest {
        let path = try EtcdKeyPath.Escaped(prefix: prefix, key: key)
        var index = waitIndex
        if index == 0 { throw EtcdOptionError(kind: .zeroWaitIndex) }
        if index == nil, let afterIndex = options.afterIndex {
            guard afterIndex < UInt64.max else { throw EtcdOptionError(kind: .afterIndexTooLarge) }
            index = afterIndex + 1
        }
        return KeysRequest(
            method: .get, path: path,
            query: { [index] writer in
                if options.recursive { writer.appendFormField("recursive", "true") }
                writer.appendFormField("wait", "true")
                if let index { writer.appendFormField("waitIndex", decimal: index) }
            },
            isIdempotent: true, isLongPoll: true)
    }

    private static func validate(prevValue: String?, prevIndex: UInt64?) throws(EtcdOptionError) {
        if prevValue?.isEmpty == true { throw EtcdOptionError(kind: .emptyPrevValue) }
        if prevIndex == 0 { throw EtcdOptionError(kind: .zeroPrevIndex) }
    }

    /// The `ttl` form field of a write: absent, empty (`ttl=`, clears the TTL) or whole
    /// seconds, checked before anything is written.
    private enum FormTTL {
        case absent, clear, seconds(Int64)

        init(_ ttl: TTL?) throws(EtcdOptionError) {
            switch ttl {
            case nil: self = .absent
            case .clear: self = .clear
            case .after(let duration): self = .seconds(try TTL.wholeSeconds(duration))
            }
        }

        func write(to writer: inout KeysByteWriter) {
            switch self {
            case .absent: break
            case .clear: writer.appendFormField("ttl", "")
            case .seconds(let seconds): writer.appendFormField("ttl", decimal: seconds)
            }
        }
    }
}
