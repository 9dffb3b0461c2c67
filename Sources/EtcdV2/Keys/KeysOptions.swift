/// Options of a read (`GET`). etcd's defaults are all `false`.
///
/// Only the options that are `true` are sent (`?recursive=true`; a plain read has no query);
/// etcd reads a missing one as `false`. Go's client always sends all three.
public struct GetOptions: Sendable, Hashable {
    /// Include every descendant of a directory, not just its children (`recursive=true`).
    public var recursive: Bool
    /// Sort the children of every listed directory by key (`sorted=true`).
    public var sorted: Bool
    /// Read through raft (`quorum=true`): linearizable, but it needs a leader and may wait up
    /// to the server's request timeout. Without it any member answers from its own copy,
    /// which may be stale.
    public var quorum: Bool

    /// Creates read options.
    ///
    /// - Parameters:
    ///   - recursive: Include every descendant of a directory.
    ///   - sorted: Sort the children of every listed directory by key.
    ///   - quorum: Read through raft (linearizable).
    public init(recursive: Bool = false, sorted: Bool = false, quorum: Bool = false) {
        self.recursive = recursive
        self.sorted = sorted
        self.quorum = quorum
    }
}

/// A condition on whether the key exists before a write (`prevExist`).
///
/// No condition (Go's `PrevIgnore`) is `nil` in ``SetOptions/prevExist``.
public enum PrevExist: Sendable, Hashable {
    /// The key must exist (`prevExist=true`): an update, or a compare-and-swap.
    case exists
    /// The key must not exist (`prevExist=false`): a create.
    case notExists
}

/// Options of a write (`PUT`). Every condition is off (`nil` or `false`) unless set.
///
/// A write without ``ttl`` removes any TTL the key had: etcd replaces the node (`set`) or
/// its expiration (`update`). Re-supply the TTL on every write that should keep one.
public struct SetOptions: Sendable, Hashable {
    /// Write only if the current value equals this (`prevValue`, a compare-and-swap).
    /// It cannot be empty: etcd has no way to compare with an empty value; use
    /// ``prevIndex`` instead.
    public var prevValue: String?
    /// Write only if the key's `modifiedIndex` equals this (`prevIndex`, a compare-and-swap).
    /// It cannot be `0`: etcd would treat it as no condition at all.
    public var prevIndex: UInt64?
    /// Write only if the key exists, or only if it does not (`prevExist`).
    public var prevExist: PrevExist?
    /// Expire the key after a time, or remove its TTL (`ttl`).
    public var ttl: TTL?
    /// Reset the TTL without changing the value or notifying watchers (`refresh=true`).
    /// etcd requires a ``ttl`` and an empty value with it; prefer a dedicated refresh, which
    /// also sends `prevExist=true` so a missing key fails instead of being created.
    public var refresh: Bool
    /// Create a directory instead of a file (`dir=true`). The value must then be empty, and
    /// ``prevValue`` cannot be used.
    public var dir: Bool
    /// Answer a successful write with just the action, without `node` and `prevNode`
    /// (`noValueOnSuccess=true`).
    public var noValueOnSuccess: Bool

    /// Creates write options.
    ///
    /// - Parameters:
    ///   - prevValue: Write only if the current value equals this.
    ///   - prevIndex: Write only if the key's `modifiedIndex` equals this.
    ///   - prevExist: Write only if the key exists, or only if it does not.
    ///   - ttl: Expire the key after a time, or remove its TTL.
    ///   - refresh: Reset the TTL without changing the value.
    ///   - dir: Create a directory instead of a file.
    ///   - noValueOnSuccess: Answer a successful write with just the action.
    public init(
        prevValue: String? = nil,
        prevIndex: UInt64? = nil,
        prevExist: PrevExist? = nil,
        ttl: TTL? = nil,
        refresh: Bool = false,
        dir: Bool = false,
        noValueOnSuccess: Bool = false
    ) {
        self.prevValue = prevValue
        self.prevIndex = prevIndex
        self.prevExist = prevExist
        self.ttl = ttl
        self.refresh = refresh
        self.dir = dir
        self.noValueOnSuccess = noValueOnSuccess
    }
}

/// Options of a deletion (`DELETE`). Every condition is off unless set.
///
/// With ``prevValue`` or ``prevIndex`` the deletion is a compare-and-delete, which works on
/// files only; etcd then ignores ``recursive`` and ``dir``.
public struct DeleteOptions: Sendable, Hashable {
    /// Delete only if the current value equals this (`prevValue`); it cannot be empty.
    public var prevValue: String?
    /// Delete only if the key's `modifiedIndex` equals this (`prevIndex`); it cannot be `0`.
    public var prevIndex: UInt64?
    /// Delete a directory with everything in it (`recursive=true`).
    public var recursive: Bool
    /// Delete an empty directory (`dir=true`).
    public var dir: Bool

    /// Creates deletion options.
    ///
    /// - Parameters:
    ///   - prevValue: Delete only if the current value equals this.
    ///   - prevIndex: Delete only if the key's `modifiedIndex` equals this.
    ///   - recursive: Delete a directory with everything in it.
    ///   - dir: Delete an empty directory.
    public init(prevValue: String? = nil, prevIndex: UInt64? = nil, recursive: Bool = false, dir: Bool = false) {
        self.prevValue = prevValue
        self.prevIndex = prevIndex
        self.recursive = recursive
        self.dir = dir
    }
}

/// Options of a watch (a `GET` with `wait=true`).
public struct WatchOptions: Sendable, Hashable {
    /// Deliver events after this etcd index (`waitIndex=afterIndex+1`); `nil` waits for the
    /// next change. etcd keeps the last 1000 events: an older index fails with
    /// ``EtcdError/Code/eventIndexCleared``.
    public var afterIndex: UInt64?
    /// Watch every descendant of the key, not just the key (`recursive=true`).
    public var recursive: Bool

    /// Creates watch options.
    ///
    /// - Parameters:
    ///   - afterIndex: Deliver events after this etcd index; `nil` waits for the next change.
    ///   - recursive: Watch every descendant of the key.
    public init(afterIndex: UInt64? = nil, recursive: Bool = false) {
        self.afterIndex = afterIndex
        self.recursive = recursive
    }
}

/// The time to live of a key, in whole seconds, or the removal of one.
///
/// etcd counts TTLs in whole seconds. Go's client truncates, so 1.5 s becomes 1 s and
/// 500 ms becomes `ttl=0`, which expires the key at once; this client refuses such
/// durations instead (``EtcdOptionError/Kind/invalidTTL(_:)``).
///
/// ```swift
/// SetOptions(ttl: .after(.seconds(30)))   // sends ttl=30
/// SetOptions(ttl: .clear)                 // sends ttl= (no expiration)
/// ```
public enum TTL: Sendable, Hashable {
    /// Expire the key this long after the write. It must be a whole number of seconds, at
    /// least one, else building the request throws.
    case after(Duration)
    /// Remove the key's TTL: sends an empty `ttl=`, so the key never expires.
    case clear

    /// The `ttl` form value: the seconds of a valid ``after(_:)``, or `""` for ``clear``.
    ///
    /// - Throws: ``EtcdOptionError`` when the duration is below one second or not a whole
    ///   number of seconds.
    func formValue() throws(EtcdOptionError) -> String {
        switch self {
        case .clear:
            return ""
        case .after(let duration):
            return String(try Self.wholeSeconds(duration))
        }
    }

    /// The whole seconds of `duration`.
    ///
    /// - Throws: ``EtcdOptionError`` when `duration` is below one second or has a fraction.
    static func wholeSeconds(_ duration: Duration) throws(EtcdOptionError) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0, seconds >= 1 else {
            throw EtcdOptionError(kind: .invalidTTL(duration))
        }
        return seconds
    }
}
