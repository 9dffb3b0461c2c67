/// The roles of etcd's v2 auth, and the key permissions they carry.
///
/// ```swift
/// try await client.auth.roles.add("app-reader")
/// let role = try await client.auth.roles.grant(.read, on: ["/app/*"], to: "app-reader")
/// print(role.permissions.read)   // ["/app/*"]
/// ```
///
/// The `root` role is built in, always listed, and cannot be added, changed or removed
/// (``EtcdAuthError/Kind/forbidden``). Removing a role does not take it away from the users
/// that have it: etcd then refuses to show such a user (``AuthUsersAPI/get(_:)`` throws
/// ``EtcdAuthError/Kind/roleNotFound``) until the role is revoked from it or added again.
public struct AuthRolesAPI: Sendable {
    let requester: ClusterRequester
    /// The time each request may take in all, across endpoints (``AuthAPI/timeout(_:)``).
    let callTimeout: Duration?

    /// Every role, the built-in `root` included, by name.
    public func list() async throws -> [Role] {
        let (status, body, endpoint) = try await requester.send(AuthRequestBuilder.listRoles(), timeout: callTimeout)
        return try AuthResponseDecoder.roles(status: status, body: body, endpoint: endpoint)
    }

    /// The role `name`.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/roleNotFound``.
    public func get(_ name: String) async throws -> Role {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.getRole(name), timeout: callTimeout)
        return try AuthResponseDecoder.role(.getRole, status: status, body: body, endpoint: endpoint)
    }

    /// Creates the role `name` without permissions.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/roleAlreadyExists`` (etcd's
    ///   check is atomic), ``EtcdAuthError/Kind/forbidden`` for `root`.
    public func add(_ name: String) async throws {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.addRole(name), timeout: callTimeout)
        try AuthResponseDecoder.written(.addRole, status: status, body: body, endpoint: endpoint)
    }

    /// Removes the role `name` (see the type's notes on users that still have it).
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/roleNotFound``,
    ///   ``EtcdAuthError/Kind/forbidden`` for `root`.
    public func remove(_ name: String) async throws {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.removeRole(name), timeout: callTimeout)
        try AuthResponseDecoder.written(.removeRole, status: status, body: body, endpoint: endpoint)
    }

    /// Lets `role` read, write, or both, the keys matching `patterns` (exact keys, or
    /// prefixes ending in `*`; see ``KeyPermissions``). Takes effect at once for every user
    /// with the role.
    ///
    /// - Returns: The role with its new permissions.
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/permissionAlreadyGranted``
    ///   (nothing changed), ``EtcdAuthError/Kind/roleNotFound``,
    ///   ``EtcdAuthError/Kind/invalidArgument`` for an empty list or pattern.
    @discardableResult
    public func grant(_ access: KeyAccess, on patterns: [String], to role: String) async throws -> Role {
        let request = try AuthRequestBuilder.grantPermissions(access, on: patterns, to: role)
        let (status, body, endpoint) = try await requester.send(request, timeout: callTimeout)
        return try AuthResponseDecoder.role(.grantPermissions, status: status, body: body, endpoint: endpoint)
    }

    /// Takes the access to `patterns` away from `role`. Takes effect at once. Patterns the
    /// role does not have are skipped, as long as one of them is revoked (etcd's rule).
    ///
    /// - Returns: The role with its remaining permissions.
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/permissionNotGranted`` when
    ///   the role has none of them (etcd's 400 `Role not updated`),
    ///   ``EtcdAuthError/Kind/roleNotFound``.
    @discardableResult
    public func revoke(_ access: KeyAccess, on patterns: [String], from role: String) async throws -> Role {
        let request = try AuthRequestBuilder.revokePermissions(access, on: patterns, from: role)
        let (status, body, endpoint) = try await requester.send(request, timeout: callTimeout)
        return try AuthResponseDecoder.role(.revokePermissions, status: status, body: body, endpoint: endpoint)
    }
}
