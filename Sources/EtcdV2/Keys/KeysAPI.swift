import CurlTransport

/// etcd's v2 key space: reads, writes, compare-and-swap, deletes and watches.
///
/// Every call either returns the server's ``Response``, or throws:
/// - `CancellationError` when the calling task is cancelled;
/// - ``EtcdDeadlineExceeded`` when a call limited by ``timeout(_:)`` ran out of time;
/// - ``EtcdError`` for etcd's own answer (key not found, compare failed, …);
/// - ``EtcdClusterError`` when every endpoint failed, listing each endpoint's failure;
/// - ``EtcdOutcomeUnknownError`` when a write may have reached a member and the answer was
///   lost: it is never sent a second time behind your back (see
///   ``treatingWritesAsIdempotent()`` for writes that may be);
/// - ``EtcdResponseError`` when an endpoint answered with something that is not etcd v2;
/// - ``EtcdKeyError`` / ``EtcdOptionError`` before sending, for a key or option etcd
///   cannot represent.
public struct KeysAPI: Sendable {
    let requester: ClusterRequester
    /// Escaped path prefix, `/v2/keys` or below.
    let prefix: String
    /// The time each call may take in all, across endpoints; `nil`: no limit.
    var callTimeout: Duration?
    /// Whether writes fail over like reads (``treatingWritesAsIdempotent()``).
    var writesAreIdempotent = false

    init(requester: ClusterRequester, prefix: String, callTimeout: Duration? = nil) {
        self.requester = requester
        self.prefix = prefix
        self.callTimeout = callTimeout
    }

    /// The same API, with every call limited to `timeout` in all (across every endpoint
    /// tried). A call that runs out of time throws ``EtcdDeadlineExceeded``, distinct from
    /// cancellation and from a single endpoint's header timeout. Watches are not limited.
    ///
    /// ```swift
    /// let value = try await client.keys.timeout(.milliseconds(300)).get("/config")
    /// ```
    public func timeout(_ timeout: Duration) -> KeysAPI {
        var limited = self
        limited.callTimeout = timeout
        return limited
    }

    /// The same API, for writes that are harmless to apply twice — a plain `set` of a fixed
    /// value, a `refresh`: a write that may have reached a member and lost its answer (a
    /// header timeout after sending, a dropped connection, etcd's own 5xx timeout) goes on to
    /// the next member, as a read does, instead of throwing ``EtcdOutcomeUnknownError``.
    ///
    /// This is what the Go client does for every plain `Set`. Do not use it for
    /// compare-and-swap, `create`, `createInOrder` or `delete`: a second apply can answer a
    /// spurious "compare failed" or "already exists" for a write that succeeded, or enqueue an
    /// item twice.
    ///
    /// ```swift
    /// let heartbeat = client.keys.treatingWritesAsIdempotent()
    /// _ = try await heartbeat.set("/workers/\(id)", value: "alive", options: .init(ttl: .seconds(10)))
    /// ```
    public func treatingWritesAsIdempotent() -> KeysAPI {
        var repeating = self
        repeating.writesAreIdempotent = true
        return repeating
    }

    /// Reads `key` (a value or a directory).
    public func get(_ key: String, options: GetOptions = GetOptions()) async throws -> Response {
        try await perform(KeysRequestBuilder.get(key: key, options: options, prefix: prefix))
    }

    /// Writes `value` to `key`, conditionally on `options` (compare-and-swap, TTL, …).
    public func set(_ key: String, value: String, options: SetOptions = SetOptions()) async throws -> Response {
        try await perform(KeysRequestBuilder.set(key: key, value: value, options: options, prefix: prefix))
    }

    /// Creates `key`; fails with ``EtcdError/Code/nodeExist`` if it exists.
    public func create(_ key: String, value: String, ttl: TTL? = nil) async throws -> Response {
        try await perform(KeysRequestBuilder.create(key: key, value: value, ttl: ttl, prefix: prefix))
    }

    /// Updates an existing `key`; fails with ``EtcdError/Code/keyNotFound`` if it is missing.
    public func update(_ key: String, value: String, ttl: TTL? = nil) async throws -> Response {
        try await perform(KeysRequestBuilder.update(key: key, value: value, ttl: ttl, prefix: prefix))
    }

    /// Creates a key named after the next index inside `directory` (a queue).
    public func createInOrder(inDirectory directory: String, value: String, ttl: TTL? = nil) async throws -> Response {
        try await perform(KeysRequestBuilder.createInOrder(directory: directory, value: value, ttl: ttl, prefix: prefix))
    }

    /// Deletes `key`, conditionally on `options`.
    public func delete(_ key: String, options: DeleteOptions = DeleteOptions()) async throws -> Response {
        try await perform(KeysRequestBuilder.delete(key: key, options: options, prefix: prefix))
    }

    /// Gives an existing `key` a new TTL, keeping its value and `createdIndex` and waking no
    /// watcher; a missing key is an error (code 100), never silently recreated.
    public func refresh(_ key: String, ttl: Duration) async throws -> Response {
        try await perform(KeysRequestBuilder.refresh(key: key, ttl: ttl, prefix: prefix))
    }

    /// Sends `request` to the cluster and decodes the answer.
    func perform(_ request: KeysRequest) async throws -> Response {
        let answer = try await requester.send(
            request.method, request.pathAndQuery, body: request.body, headers: request.headers,
            isIdempotent: request.isIdempotent || writesAreIdempotent, isLongPoll: request.isLongPoll,
            timeout: callTimeout)
        return try KeysResponseDecoder.decode(
            status: answer.response.status, headers: answer.response.headers, body: answer.response.body,
            endpoint: answer.endpoint, knownClusterID: answer.clusterID)
    }
}
