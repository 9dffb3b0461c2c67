import CurlTransport

/// One element of a watch.
public indirect enum WatchEvent: Sendable {
    /// A change, in index order.
    case change(Response)
    /// etcd no longer had the events since the last index (more than 1,000 writes happened in
    /// between, error 401): the watch re-read the key (quorum GET) and resumes after that
    /// read's `X-Etcd-Index`. Changes in between are lost; the response holds the current state
    /// (its `node` is `nil` when the key does not exist).
    case resynced(Response)
}

/// What a watch does when etcd has compacted the events it was waiting for (error 401).
public enum EventIndexClearedPolicy: Sendable, Hashable {
    /// Re-read the key and deliver ``WatchEvent/resynced(_:)``, then go on.
    case resync
    /// Throw the ``EtcdError`` and end the watch.
    case fail
}

extension KeysAPI {
    /// Watches `key` (and, if `options.recursive`, everything below it).
    ///
    /// The sequence follows indexes itself (each next wait starts at the last event's
    /// `modifiedIndex + 1`), so dropped connections and member restarts lose no event and
    /// repeat none; transient failures are retried with backoff (50 ms doubling to 2 s).
    /// Cancelling the consuming task ends the sequence and frees its long poll at once.
    ///
    /// Each watch is one long poll on its own connection. Thousands are practical: to an
    /// `http://` endpoint (no credentials, no proxy in the environment) an idle watch takes
    /// about 8.5 KB of memory in all, served by the client's event loop without a libcurl
    /// handle; otherwise (TLS, credentials, a proxy, or a host name the client has not reached
    /// within a minute) libcurl serves it, at about 21 KB.
    ///
    /// ```swift
    /// for try await event in keys.watch("/dir", options: .init(afterIndex: r.index, recursive: true)) { … }
    /// ```
    public func watch(
        _ key: String, options: WatchOptions = WatchOptions(), onIndexCleared: EventIndexClearedPolicy = .resync
    ) -> EtcdWatch {
        EtcdWatch(keys: self, key: key, options: options, policy: onIndexCleared)
    }
}

/// The events of one watch, as an `AsyncSequence`. See ``KeysAPI/watch(_:options:onIndexCleared:)``.
public struct EtcdWatch: AsyncSequence, Sendable {
    public typealias Element = WatchEvent

    let keys: KeysAPI
    let key: String
    let options: WatchOptions
    let policy: EventIndexClearedPolicy

    public func makeAsyncIterator() -> Iterator {
        Iterator(watch: self, waitIndex: options.afterIndex.map { $0 &+ 1 })
    }

    /// Long-polls the cluster for each next event.
    public struct Iterator: AsyncIteratorProtocol {
        let watch: EtcdWatch
        var waitIndex: UInt64?
        private var failures = 0

        init(watch: EtcdWatch, waitIndex: UInt64?) {
            self.watch = watch
            self.waitIndex = waitIndex
        }

        /// The next event, or `nil` once the consuming task is cancelled.
        ///
        /// - Throws: ``EtcdError`` (other than a handled 401), ``EtcdResponseError`` for an
        ///   answer that is not an etcd v2 event (garbage, or an event without a node).
        ///
        /// Async frames live in the task's allocator for as long as the long poll waits, and
        /// every value that an async function keeps across an `await` (or merely takes the
        /// address of) gets its own slot in its frame: with thousands of idle watches that is
        /// most of their memory. So the work around the one `await` that waits is done in
        /// synchronous helpers, and the rare paths (resync, backoff) in async functions of
        /// their own, whose frames exist only while they run.
        public mutating func next() async throws -> WatchEvent? {
            while !Task.isCancelled {
                switch await poll() {
                case .event(let event, let nextIndex):
                    failures = 0
                    waitIndex = nextIndex
                    return event
                case .emptyPoll:
                    // An empty 200: etcd ended the long poll without an event; poll again (after a
                    // backoff if it keeps happening, so a misbehaving server cannot cause a hot loop).
                    failures += 1
                    if failures > 1, !(await backOff()) { return nil }
                case .cancelled:
                    return nil
                case .indexCleared(let index):
                    return try await resync(clearedAt: index)
                case .fatal(let error):
                    throw error
                case .transient:
                    // Transport failures and cluster errors: retry from the same index after a
                    // backoff, so a restart or a dropped connection loses no event.
                    failures += 1
                    if !(await backOff()) { return nil }
                }
            }
            return nil
        }

        /// What one long poll ended with.
        private enum Step {
            /// `WatchEvent` is `indirect`: one pointer wide, however large a `Response` is.
            case event(WatchEvent, nextIndex: UInt64)
            case emptyPoll
            case cancelled
            /// etcd error 401 under ``EventIndexClearedPolicy/resync``; the error's index.
            case indexCleared(UInt64)
            case fatal(any Error)
            case transient
        }

        /// One long poll and what it ended with; never throws.
        @inline(never)
        private func poll() async -> Step {
            let pathAndQuery: String
            do {
                pathAndQuery = try Self.pathAndQuery(watch, waitIndex)
            } catch {
                return Self.step(for: error, policy: watch.policy)
            }
            do {
                let answer = try await watch.keys.requester.send(.get, pathAndQuery, isIdempotent: true, isLongPoll: true)
                return try Self.step(for: answer.response, endpoint: answer.endpoint)
            } catch {
                return Self.step(for: error, policy: watch.policy)
            }
        }

        @inline(never)
        private static func pathAndQuery(_ watch: EtcdWatch, _ waitIndex: UInt64?) throws -> String {
            try KeysRequestBuilder.watch(
                key: watch.key, options: WatchOptions(recursive: watch.options.recursive),
                waitIndex: waitIndex, prefix: watch.keys.prefix
            ).pathAndQuery
        }

        /// Decodes a long poll's answer.
        @inline(never)
        private static func step(for response: TransportResponse, endpoint: String) throws -> Step {
            if response.status == 200 && response.body.isEmpty { return .emptyPoll }
            let decoded = try KeysResponseDecoder.decode(
                status: response.status, headers: response.headers, body: response.body, endpoint: endpoint)
            guard let node = decoded.node else {
                throw EtcdResponseError(
                    kind: .invalidBody, endpoint: endpoint, status: response.status,
                    detail: "a watch event without a node", body: response.body)
            }
            return .event(.change(decoded), nextIndex: node.modifiedIndex &+ 1)
        }

        /// Which failures end the watch, which resync and which are retried.
        @inline(never)
        private static func step(for error: any Error, policy: EventIndexClearedPolicy) -> Step {
            switch error {
            case is CancellationError:
                return .cancelled
            case let error as EtcdError where error.isEventIndexCleared && policy == .resync:
                return .indexCleared(error.index)
            case is EtcdError, is EtcdKeyError, is EtcdOptionError:
                return .fatal(error)
            case is EtcdResponseError:
                // Not an etcd v2 answer (garbage, a node-less event): retrying cannot help.
                return .fatal(error)
            default:
                return .transient
            }
        }

        /// Re-reads the key after etcd error 401 (quorum GET) and resumes after that read. A key
        /// that does not exist (yet) is a state too: the resync then carries no node, and the
        /// watch resumes after the index etcd gave with its "key not found".
        @inline(never)
        private mutating func resync(clearedAt index: UInt64) async throws -> WatchEvent {
            let current: Response
            do {
                current = try await watch.keys.get(watch.key, options: GetOptions(recursive: watch.options.recursive, quorum: true))
            } catch let error as EtcdError where error.isKeyNotFound {
                current = Response(action: .get, node: nil, prevNode: nil, index: error.index)
            }
            waitIndex = (current.index ?? index) &+ 1
            return .resynced(current)
        }

        /// Sleeps 50 ms doubling to 2 s with the failures in a row; `false` if cancelled.
        @inline(never)
        private func backOff() async -> Bool {
            let delay = Swift.min(2_000, 50 << Swift.min(Swift.max(failures - 1, 0), 6))
            do {
                try await Task.sleep(for: .milliseconds(delay))
                return true
            } catch {
                return false
            }
        }
    }
}
