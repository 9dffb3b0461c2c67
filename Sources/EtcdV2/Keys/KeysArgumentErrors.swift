/// A key (or key prefix) that etcd would silently rewrite or that this client will not send.
///
/// Go's client cleans every path, so `a/../b` quietly becomes `b` and `a//b/` becomes `a/b`;
/// etcd itself redirects or rewrites such paths. This client refuses them instead, before
/// anything is sent.
public struct EtcdKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the key.
    public enum Reason: Sendable, Hashable {
        /// Two slashes in a row (`a//b`): etcd would drop the empty segment.
        case emptySegment
        /// A `.` or `..` segment: etcd would resolve it to another key.
        case dotSegment(String)
        /// A slash at the end (`a/`), other than the root `/` itself: etcd would drop it.
        case trailingSlash
        /// A C0 control character (U+0000–U+001F) or DEL (U+007F), given as its byte.
        case controlCharacter(UInt8)
    }

    /// Whether the invalid string was a key or the key prefix of the API.
    public enum Role: Sendable, Hashable {
        /// A key passed to an operation.
        case key
        /// The path prefix of the keys API (by default `/v2/keys`).
        case prefix
    }

    /// The key or prefix as it was given.
    public var key: String
    /// Whether it was a key or a prefix.
    public var role: Role
    /// What is wrong with it.
    public var reason: Reason

    /// Creates the error.
    ///
    /// - Parameters:
    ///   - key: The key or prefix as it was given.
    ///   - role: Whether it was a key or a prefix.
    ///   - reason: What is wrong with it.
    public init(key: String, role: Role = .key, reason: Reason) {
        self.key = key
        self.role = role
        self.reason = reason
    }

    /// Quotes the key and says what is wrong, e.g.
    /// `invalid etcd key "a//b": it contains an empty segment ("//"), which etcd would drop`.
    public var description: String {
        let what = role == .key ? "etcd key" : "etcd key prefix"
        let problem: String
        switch reason {
        case .emptySegment:
            problem = "it contains an empty segment (\"//\"), which etcd would drop"
        case .dotSegment(let segment):
            problem = "it contains a \"\(segment)\" segment, which etcd would resolve to another key"
        case .trailingSlash:
            problem = "it ends with \"/\", which etcd would drop"
        case .controlCharacter(let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            problem = "it contains the control character U+\(String(repeating: "0", count: 4 - hex.count))\(hex)"
        }
        return "invalid \(what) \(String(reflecting: key)): \(problem)"
    }
}

/// An option value that etcd cannot express, refused before anything is sent.
///
/// Go's client drops or truncates these silently (a 500 ms TTL becomes `ttl=0`, an empty
/// `prevValue` is left out, `prevIndex` 0 means "no condition"); this client throws instead.
public struct EtcdOptionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Hashable {
        /// A TTL below one second, or not a whole number of seconds.
        case invalidTTL(Duration)
        /// An empty `prevValue`: etcd refuses it (error 201); compare with `prevIndex` instead.
        case emptyPrevValue
        /// A `prevIndex` of 0, which etcd reads as no condition at all.
        case zeroPrevIndex
        /// A `prevValue` on a directory write; a directory has no value to compare.
        case prevValueOnDirectory
        /// A non-empty value on a directory write; etcd would drop it.
        case valueOnDirectory
        /// A `waitIndex` of 0, which etcd reads as "from now"; pass no index for that.
        case zeroWaitIndex
        /// An `afterIndex` of `UInt64.max`, after which no event can come.
        case afterIndexTooLarge
    }

    /// What is wrong.
    public var kind: Kind

    /// Creates the error.
    ///
    /// - Parameter kind: What is wrong.
    public init(kind: Kind) {
        self.kind = kind
    }

    /// Says what is wrong and what to do instead.
    public var description: String {
        switch kind {
        case .invalidTTL(let duration):
            "invalid TTL \(duration): etcd TTLs are whole seconds, at least 1 (Go's client would send ttl=\(max(duration.components.seconds, 0)))"
        case .emptyPrevValue:
            "an empty prevValue cannot be compared by etcd (it answers error 201); compare with prevIndex instead"
        case .zeroPrevIndex:
            "prevIndex 0 is no condition to etcd; leave prevIndex nil or pass the key's modifiedIndex"
        case .prevValueOnDirectory:
            "prevValue cannot be used with dir=true: a directory has no value to compare"
        case .valueOnDirectory:
            "a directory has no value: pass an empty value with dir=true"
        case .zeroWaitIndex:
            "waitIndex 0 means \"from now\" to etcd; pass no waitIndex for that"
        case .afterIndexTooLarge:
            "afterIndex \(UInt64.max) leaves no index to wait for"
        }
    }
}
