import CurlTransport

/// One element of a watch.
public indirect enum WatchEvent: Sendable {
    /// A change, in index order.
    case change(Response)
    /// etcd no longer had the events since the last index (more than 1,000 writes happened in
    /// between, error 401): the watch re-read the key (quorum GET) and resumes after that
    /// read's `X-Etcd-Index`. Changes in between are lost; the response holds the current state.
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
        public mutating func next() async throws -> WatchEvent? {
            while !Task.isCancelled {
                do {
                    let request = try KeysRequestBuilder.watch(
                        key: watch.key, options: WatchOptions(recursive: watch.options.recursive),
                        waitIndex: waitIndex, prefix: watch.keys.prefix)
                    let (response, endpoint) = try await watch.keys.requester.send(
                        .get, request.pathAndQuery, isIdempotent: true, isLongPoll: true)
                    // An empty 200: etcd ended the long poll without an event; poll again (after a
                    // backoff if it keeps happening, so a misbehaving server cannot cause a hot loop).
                    if response.status == 200 && response.body.isEmpty {
                        failures += 1
                        if failures > 1, !(await backOff()) { return nil }
                        continue
                    }
                    let decoded = try KeysResponseDecoder.decode(
                        status: response.status, headers: response.headers, body: response.body, endpoint: endpoint)
                    guard let node = decoded.node else {
                        throw EtcdResponseError(
                            kind: .invalidBody, endpoint: endpoint, status: response.status,
                            detail: "a watch event without a node", body: response.body)
                    }
                    failures = 0
                    waitIndex = node.modifiedIndex &+ 1
                    return .change(decoded)
                } catch is CancellationError {
                    return nil
                } catch let error as EtcdError where error.isEventIndexCleared && watch.policy == .resync {
                    let current = try await watch.keys.get(watch.key, options: GetOptions(recursive: watch.options.recursive, quorum: true))
                    waitIndex = (current.index ?? error.index) &+ 1
                    return .resynced(current)
                } catch let error as EtcdError {
                    throw error
                } catch let error as EtcdKeyError {
                    throw error
                } catch let error as EtcdOptionError {
                    throw error
                } catch let error as EtcdResponseError {
                    // Not an etcd v2 answer (garbage, a node-less event): retrying cannot help.
                    throw error
                } catch {
                    // Transport failures and cluster errors: retry from the same index after a
                    // backoff, so a restart or a dropped connection loses no event.
                    failures += 1
                    if !(await backOff()) { return nil }
                }
            }
            return nil
        }

        /// Sleeps 50 ms doubling to 2 s with the failures in a row; `false` if cancelled.
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
