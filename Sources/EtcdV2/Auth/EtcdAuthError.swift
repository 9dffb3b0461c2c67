/// An auth API call that etcd refused, or that the client refused before sending.
///
/// The kind is decided by the HTTP status and by which call was made, never by the text of
/// etcd's message (which is kept in ``message``): etcd words the same "not found" three ways
/// (`User bob does not exist.`, `User bob does not exist`, `Role ops doesn't exist.`), and
/// the Go client's `IsUserNotFound` misses two of them.
///
/// ```swift
/// do {
///     try await client.auth.users.add("alice", password: secret)
/// } catch let error as EtcdAuthError where error.kind == .userAlreadyExists {
///     // alice's password is unchanged
/// }
/// ```
public struct EtcdAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The user does not exist (HTTP 404 on a user call).
        case userNotFound
        /// The role does not exist (HTTP 404 on a role call; or a role given to a user call
        /// that the client found missing before sending).
        case roleNotFound
        /// ``AuthUsersAPI/add(_:password:roles:)`` found the user already there; nothing was
        /// changed (HTTP 409, or found by the client's check before writing).
        case userAlreadyExists
        /// ``AuthRolesAPI/add(_:)`` found the role already there (HTTP 409).
        case roleAlreadyExists
        /// The user already has one of the roles granted (HTTP 409); nothing was changed.
        case roleAlreadyGranted
        /// The user does not have one of the roles revoked (HTTP 409); nothing was changed.
        case roleNotGranted
        /// The role already has one of the permissions granted (HTTP 409); nothing was changed.
        case permissionAlreadyGranted
        /// ``AuthRolesAPI/revoke(_:on:from:)``: the role has none of the permissions revoked
        /// (etcd's HTTP 400 `Role not updated`); nothing was changed.
        case permissionNotGranted
        /// ``AuthAPI/enable()``: auth is enabled already (HTTP 409).
        case alreadyEnabled
        /// ``AuthAPI/disable()``: auth is disabled already (HTTP 409).
        case alreadyDisabled
        /// ``AuthAPI/enable()``: there is no `root` user yet; create it first (HTTP 409).
        case noRootUser
        /// HTTP 401: the credentials are missing or wrong, or the user lacks the `root` role
        /// that every auth call but ``AuthAPI/isEnabled()`` needs once auth is enabled.
        case unauthorized
        /// HTTP 403: what etcd never allows: changing or removing the `root` role, removing
        /// the `root` user while auth is enabled.
        case forbidden
        /// Another client changed the same user between this call's check and its write, and
        /// the write went through anyway: ``AuthUsersAPI/add(_:password:roles:)`` without roles
        /// set the password of a user created meanwhile, or
        /// ``AuthUsersAPI/changePassword(_:to:)`` created a user removed meanwhile.
        case concurrentChange
        /// An argument etcd cannot take (an empty name or one with `/`, an empty password, an
        /// empty list or pattern); nothing was sent.
        case invalidArgument
        /// HTTP 400: etcd found the request malformed.
        case badRequest
        /// A 5xx answer: etcd could not do it (e.g. no quorum, or a rolling upgrade is in
        /// progress). A change may still be applied.
        case serverError(Int)
        /// Another status with an etcd message body.
        case unexpectedStatus(Int)
    }

    /// What went wrong.
    public var kind: Kind
    /// etcd's message (e.g. `auth: User bob does not exist.`), or the client's own account.
    public var message: String
    /// The member that answered; `nil` for errors raised before sending.
    public var endpoint: String?
    /// The HTTP status; `nil` for errors raised before sending.
    public var status: Int?

    /// Creates the error.
    ///
    /// - Parameters:
    ///   - kind: What went wrong.
    ///   - message: etcd's message, or the client's account.
    ///   - endpoint: The member that answered, if any.
    ///   - status: The HTTP status, if any.
    public init(kind: Kind, message: String, endpoint: String? = nil, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.endpoint = endpoint
        self.status = status
    }

    /// Whether the user or the role addressed does not exist.
    public var isNotFound: Bool { kind == .userNotFound || kind == .roleNotFound }
    /// Whether the user or the role to create exists already.
    public var isAlreadyExists: Bool { kind == .userAlreadyExists || kind == .roleAlreadyExists }

    /// E.g. `auth: userNotFound: auth: User bob does not exist. (HTTP 404 from http://127.0.0.1:2379)`.
    public var description: String {
        "auth: \(kind): \(message)" + AdminErrorBody.origin(status: status, endpoint: endpoint)
    }
}
