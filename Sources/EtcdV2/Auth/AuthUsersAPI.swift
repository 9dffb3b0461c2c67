/// The users of etcd's v2 auth.
///
/// ```swift
/// try await client.auth.users.add("alice", password: secret, roles: ["app-reader"])
/// try await client.auth.users.revoke(["app-reader"], from: "alice")
/// let alice = try await client.auth.users.get("alice")
/// ```
///
/// ``add(_:password:roles:)`` only creates: etcd's own write (`PUT /v2/auth/users/<name>`
/// with a password) silently replaces the password of an existing user, and the Go client's
/// `AddUser` passes that on. ``createOrUpdate(_:password:)`` is that write, asked for by name.
public struct AuthUsersAPI: Sendable {
    let requester: ClusterRequester
    /// The time each request may take in all, across endpoints (``AuthAPI/timeout(_:)``).
    let callTimeout: Duration?

    /// Whether a user was created or an existing one changed.
    public enum Write: Sendable, Hashable {
        /// There was no such user; it exists now.
        case created
        /// The user existed; its password was replaced.
        case updated
    }

    /// Every user, with its roles, by name.
    public func list() async throws -> [User] {
        let (status, body, endpoint) = try await requester.send(AuthRequestBuilder.listUsers(), timeout: callTimeout)
        return try AuthResponseDecoder.users(status: status, body: body, endpoint: endpoint)
    }

    /// The user `name`, with its roles and their permissions.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/userNotFound``; of kind
    ///   ``EtcdAuthError/Kind/roleNotFound`` when the user exists but has a role that was
    ///   removed (etcd then answers 404 for the user; the client checks the user list to tell
    ///   the two apart).
    public func get(_ name: String) async throws -> User {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.getUser(name), timeout: callTimeout)
        do {
            return try AuthResponseDecoder.user(status: status, body: body, endpoint: endpoint)
        } catch var error as EtcdAuthError where error.kind == .userNotFound {
            if try await list().contains(where: { $0.name == name }) { error.kind = .roleNotFound }
            throw error
        }
    }

    /// Creates the user `name`; never changes an existing user.
    ///
    /// With `roles`, this is one atomic write: etcd's create-only path, which refuses an
    /// existing user. Without roles etcd has no create-only write, so the client first checks
    /// that the user does not exist and then writes; if another client creates the same user
    /// in the moment between, etcd replaces that user's password with `password`, and the
    /// call throws ``EtcdAuthError/Kind/concurrentChange`` rather than report success. Pass
    /// the roles here (not in a later ``grant(_:to:)``) to close that window.
    ///
    /// - Parameters:
    ///   - name: The user's name: not empty, no `/`. `root` gets the `root` role in any case.
    ///   - password: Not empty.
    ///   - roles: Roles to give the user; each must exist (checked before writing, since etcd
    ///     accepts unknown role names and then refuses to show the user).
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/userAlreadyExists`` (nothing
    ///   changed), ``EtcdAuthError/Kind/roleNotFound``, ``EtcdAuthError/Kind/concurrentChange``,
    ///   ``EtcdAuthError/Kind/invalidArgument``.
    public func add(_ name: String, password: String, roles: [String] = []) async throws {
        if !roles.isEmpty {
            let request = try AuthRequestBuilder.createUser(name, password: password, roles: roles)
            try await requireRoles(roles)
            let (status, body, endpoint) = try await requester.send(request, timeout: callTimeout)
            try AuthResponseDecoder.written(.createUser, status: status, body: body, endpoint: endpoint)
            return
        }
        let request = try AuthRequestBuilder.createOrUpdateUser(name, password: password)
        if try await exists(name) {
            throw EtcdAuthError(kind: .userAlreadyExists, message: "user \(name) exists; its password was not changed")
        }
        let (status, body, endpoint) = try await requester.send(request, timeout: callTimeout)
        let created = try AuthResponseDecoder.written(
            .createOrUpdateUser, status: status, body: body, endpoint: endpoint)
        if !created {
            throw EtcdAuthError(
                kind: .concurrentChange,
                message:
                    "user \(name) was created by another client after this call checked; its password is now the one given",
                endpoint: endpoint, status: status)
        }
    }

    /// Creates the user `name`, or replaces its password if it exists: etcd's own write,
    /// which the Go client's `AddUser` is. Roles are not touched.
    @discardableResult
    public func createOrUpdate(_ name: String, password: String) async throws -> Write {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.createOrUpdateUser(name, password: password), timeout: callTimeout)
        return try AuthResponseDecoder.written(.createOrUpdateUser, status: status, body: body, endpoint: endpoint)
            ? .created : .updated
    }

    /// Replaces the password of the existing user `name`; never creates a user.
    ///
    /// etcd's password write also creates missing users, so the client checks first; if the
    /// user is removed in the moment between, etcd creates it anew (without roles) and the
    /// call throws ``EtcdAuthError/Kind/concurrentChange``.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/userNotFound`` (nothing
    ///   written), ``EtcdAuthError/Kind/concurrentChange``, ``EtcdAuthError/Kind/invalidArgument``.
    public func changePassword(_ name: String, to password: String) async throws {
        let request = try AuthRequestBuilder.createOrUpdateUser(name, password: password)
        guard try await exists(name) else {
            throw EtcdAuthError(kind: .userNotFound, message: "user \(name) does not exist; nothing was written")
        }
        let (status, body, endpoint) = try await requester.send(request, timeout: callTimeout)
        if try AuthResponseDecoder.written(.createOrUpdateUser, status: status, body: body, endpoint: endpoint) {
            throw EtcdAuthError(
                kind: .concurrentChange,
                message:
                    "user \(name) was removed by another client after this call checked; etcd created it anew without roles",
                endpoint: endpoint, status: status)
        }
    }

    /// Removes the user `name`.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/userNotFound``;
    ///   ``EtcdAuthError/Kind/forbidden`` for `root` while auth is enabled.
    public func remove(_ name: String) async throws {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.removeUser(name), timeout: callTimeout)
        try AuthResponseDecoder.written(.removeUser, status: status, body: body, endpoint: endpoint)
    }

    /// Gives `roles` to `user`; takes effect at once. Each role must exist (checked before
    /// writing: etcd would accept an unknown name).
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/roleAlreadyGranted`` (nothing
    ///   changed), ``EtcdAuthError/Kind/userNotFound``, ``EtcdAuthError/Kind/roleNotFound``.
    public func grant(_ roles: [String], to user: String) async throws {
        let request = try AuthRequestBuilder.grantRoles(roles, to: user)
        try await requireRoles(roles)
        let (status, body, endpoint) = try await requester.send(request, timeout: callTimeout)
        try AuthResponseDecoder.written(.grantRoles, status: status, body: body, endpoint: endpoint)
    }

    /// Takes `roles` away from `user`; takes effect at once.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/roleNotGranted`` (nothing
    ///   changed), ``EtcdAuthError/Kind/userNotFound``.
    public func revoke(_ roles: [String], from user: String) async throws {
        let (status, body, endpoint) = try await requester.send(
            try AuthRequestBuilder.revokeRoles(roles, from: user), timeout: callTimeout)
        try AuthResponseDecoder.written(.revokeRoles, status: status, body: body, endpoint: endpoint)
    }

    /// Whether the user exists, also when it has a removed role (see ``get(_:)``).
    private func exists(_ name: String) async throws -> Bool {
        do {
            _ = try await get(name)
            return true
        } catch let error as EtcdAuthError where error.kind == .userNotFound {
            return false
        } catch let error as EtcdAuthError where error.kind == .roleNotFound {
            return true
        }
    }

    /// Throws ``EtcdAuthError/Kind/roleNotFound`` for the first role that does not exist.
    private func requireRoles(_ roles: [String]) async throws {
        let roleAPI = AuthRolesAPI(requester: requester, callTimeout: callTimeout)
        for role in Set(roles).sorted() where role != Role.rootName {
            _ = try await roleAPI.get(role)
        }
    }
}
