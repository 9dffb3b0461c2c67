/// An error etcd itself reported: the JSON error body of the v2 keys API.
///
/// ```json
/// {"errorCode":100,"message":"Key not found","cause":"/foo","index":7}
/// ```
///
/// etcd sends these with many HTTP statuses (404 for ``Code/keyNotFound``, 412 for
/// ``Code/testFailed`` and ``Code/nodeExist``, 403, 400, 401 and 500), so the status is not
/// part of the error: ``code`` says what happened.
///
/// ```swift
/// do {
///     _ = try await keys.get("/missing")
/// } catch let error as EtcdError where error.isKeyNotFound {
///     // create it
/// }
/// ```
public struct EtcdError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What went wrong (JSON `errorCode`).
    public var code: Code
    /// etcd's text for the code (JSON `message`), e.g. `Key not found`.
    public var message: String
    /// The detail etcd gave (JSON `cause`): the missing key for ``Code/keyNotFound``, the
    /// failed comparison (`[old != cur]`) for ``Code/testFailed``, the underlying server
    /// error for ``Code/raftInternal``. `nil` when etcd sent none.
    public var cause: String?
    /// The etcd index when the error happened (JSON `index`, else the `X-Etcd-Index` header);
    /// `0` for errors in the request itself, which etcd reports before looking at the store.
    public var index: UInt64

    /// Creates an etcd error, e.g. for a test double.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: etcd's text for the code.
    ///   - cause: The detail etcd gave, or `nil`.
    ///   - index: The etcd index when the error happened.
    public init(code: Code, message: String, cause: String? = nil, index: UInt64 = 0) {
        self.code = code
        self.message = message
        self.cause = cause
        self.index = index
    }

    private enum CodingKeys: String, CodingKey {
        case code = "errorCode"
        case message
        case cause
        case index
    }

    /// The Go client's format with the code's name added, e.g.
    /// `etcd error 100 (keyNotFound): Key not found (/foo) [index 7]`.
    public var description: String {
        var text = "etcd error \(code.rawValue)"
        if let name = code.name { text += " (\(name))" }
        text += ": \(message)"
        if let cause, !cause.isEmpty { text += " (\(cause))" }
        return text + " [index \(index)]"
    }

    /// The key (or its first missing ancestor) does not exist (100).
    public var isKeyNotFound: Bool { code == .keyNotFound }
    /// A `prevValue` or `prevIndex` comparison failed (101).
    public var isTestFailed: Bool { code == .testFailed }
    /// The operation needs a file but found a directory (102).
    public var isNotFile: Bool { code == .notFile }
    /// The operation needs a directory but found a file (104).
    public var isNotDirectory: Bool { code == .notDir }
    /// The key already exists: a create with `prevExist=false` found it (105).
    public var isNodeExist: Bool { code == .nodeExist }
    /// The root is read-only (107).
    public var isRootReadOnly: Bool { code == .rootROnly }
    /// A directory delete without `recursive=true` found children (108).
    public var isDirectoryNotEmpty: Bool { code == .dirNotEmpty }
    /// The credentials are wrong or lack the permission (110).
    public var isUnauthorized: Bool { code == .unauthorized }
    /// etcd could not commit or read through raft in time, e.g. without a leader (300, 301).
    public var isRaftError: Bool { code == .raftInternal || code == .leaderElect }
    /// The watch's `waitIndex` is older than the 1000 events etcd keeps (401): read the key
    /// again and watch from the read's `index + 1`.
    public var isEventIndexCleared: Bool { code == .eventIndexCleared }
    /// etcd dropped the watch while recovering from a snapshot (400).
    public var isWatcherCleared: Bool { code == .watcherCleared }
    /// The request itself was invalid: codes 200–299 (bad TTL, index, field or form).
    public var isInvalidRequest: Bool { (200..<300).contains(code.rawValue) }
}
