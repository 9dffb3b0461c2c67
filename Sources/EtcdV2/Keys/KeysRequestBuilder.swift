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
        body == nil ? [] : [HTTPHeader("Content-Type", Self.formContentType)]
    }

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
    /// A request for `path` with `query` pairs (form-encoded, in the given order) and an
    /// optional form body.
    /// A request whose path and query are already escaped.
    init(method: HTTPMethod, pathAndQuery: String, isIdempotent: Bool) {
        self.method = method
        self.pathAndQuery = pathAndQuery
        self.body = nil
        self.isIdempotent = isIdempotent
        self.isLongPoll = false
    }

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
}

/// Builds the requests of the keys API, with the parameters the Go client sends.
///
/// Where each parameter goes (Go's `client/keys.go`; etcd merges query and form, form wins):
///
/// | Request | Query | Form body |
/// |---|---|---|
/// | get | `quorum`, `recursive`, `sorted` (always all three) | none |
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
enum KeysRequestBuilder {
    /// A read of `key`.
    static func get(key: String, options: GetOptions = GetOptions(), prefix: String = EtcdKeyPath.defaultPrefix) throws
        -> KeysRequest
    {
        let path = try EtcdKeyPath.escapedPath(prefix: prefix, key: key)
        // The same three flags every time, so the eight possible queries are built once.
        let flags = (options.quorum ? 4 : 0) | (options.recursive ? 2 : 0) | (options.sorted ? 1 : 0)
        return KeysRequest(method: .get, pathAndQuery: path + getQueries[flags], isIdempotent: true)
    }

    /// `?quorum=…&recursive=…&sorted=…` for each combination, indexed by the flags' bits.
    private static let getQueries: [String] = (0..<8).map { flags in
        "?" + PercentEncoding.form([
            ("quorum", String(flags & 4 != 0)),
            ("recursive", String(flags & 2 != 0)),
            ("sorted", String(flags & 1 != 0)),
        ])
    }

    /// A write of `value` to `key`, conditional on `options`.
    static func set(key: String, value: String, options: SetOptions = SetOptions(), prefix: String = EtcdKeyPath.defaultPrefix)
        throws -> KeysRequest
    {
        let path = try EtcdKeyPath.escapedPath(prefix: prefix, key: key)
        try validate(prevValue: options.prevValue, prevIndex: options.prevIndex)
        if options.dir {
            if options.prevValue != nil { throw EtcdOptionError(kind: .prevValueOnDirectory) }
            if !value.isEmpty { throw EtcdOptionError(kind: .valueOnDirectory) }
        }

        var query: [(name: String, value: String)] = []
        if options.dir { query.append(("dir", "true")) }
        if options.noValueOnSuccess { query.append(("noValueOnSuccess", "true")) }
        if let prevExist = options.prevExist { query.append(("prevExist", prevExist == .exists ? "true" : "false")) }
        if let prevIndex = options.prevIndex { query.append(("prevIndex", String(prevIndex))) }
        if let prevValue = options.prevValue { query.append(("prevValue", prevValue)) }

        var form: [(name: String, value: String)] = []
        if options.refresh { form.append(("refresh", "true")) }
        if let ttl = options.ttl { form.append(("ttl", try ttl.formValue())) }
        if !options.dir { form.append(("value", value)) }

        return KeysRequest(method: .put, path: path, query: query, form: form)
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
        let path = try EtcdKeyPath.escapedPath(prefix: prefix, key: directory)
        var form: [(name: String, value: String)] = []
        if let ttl { form.append(("ttl", try ttl.formValue())) }
        form.append(("value", value))
        return KeysRequest(method: .post, path: path, form: form)
    }

    /// A deletion of `key`, conditional on `options`.
    static func delete(key: String, options: DeleteOptions = DeleteOptions(), prefix: String = EtcdKeyPath.defaultPrefix)
        throws -> KeysRequest
    {
        let path = try EtcdKeyPath.escapedPath(prefix: prefix, key: key)
        try validate(prevValue: options.prevValue, prevIndex: options.prevIndex)
        var query: [(name: String, value: String)] = []
        if options.dir { query.append(("dir", "true")) }
        if let prevIndex = options.prevIndex { query.append(("prevIndex", String(prevIndex))) }
        if let prevValue = options.prevValue { query.append(("prevValue", prevValue)) }
        if options.recursive { query.append(("recursive", "true")) }
        return KeysRequest(method: .delete, path: path, query: query)
    }

    /// A new TTL for an existing `key` that keeps its value and `createdIndex` and notifies no
    /// watcher: `refresh=true&ttl=N` with `prevExist=true` and no value, so a missing key
    /// fails with error 100 instead of being created.
    static func refresh(key: String, ttl: Duration, prefix: String = EtcdKeyPath.defaultPrefix) throws -> KeysRequest {
        let path = try EtcdKeyPath.escapedPath(prefix: prefix, key: key)
        let seconds = try TTL.wholeSeconds(ttl)
        return KeysRequest(
            method: .put, path: path, query: [("prevExist", "true")],
            form: [("refresh", "true"), ("ttl", String(seconds))])
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
        let path = try EtcdKeyPath.escapedPath(prefix: prefix, key: key)
        var index = waitIndex
        if index == 0 { throw EtcdOptionError(kind: .zeroWaitIndex) }
        if index == nil, let afterIndex = options.afterIndex {
            guard afterIndex < UInt64.max else { throw EtcdOptionError(kind: .afterIndexTooLarge) }
            index = afterIndex + 1
        }
        var query: [(name: String, value: String)] = []
        if options.recursive { query.append(("recursive", "true")) }
        query.append(("wait", "true"))
        if let index { query.append(("waitIndex", String(index))) }
        return KeysRequest(method: .get, path: path, query: query, isIdempotent: true, isLongPoll: true)
    }

    private static func validate(prevValue: String?, prevIndex: UInt64?) throws(EtcdOptionError) {
        if prevValue?.isEmpty == true { throw EtcdOptionError(kind: .emptyPrevValue) }
        if prevIndex == 0 { throw EtcdOptionError(kind: .zeroPrevIndex) }
    }
}
