import CurlTransport

/// Builds the requests of the auth API and checks their arguments before anything is sent.
///
/// | call | request |
/// |---|---|
/// | isEnabled / enable / disable | `GET` / `PUT` / `DELETE /v2/auth/enable` |
/// | list users / roles | `GET /v2/auth/users`, `GET /v2/auth/roles` |
/// | get, remove | `GET`, `DELETE /v2/auth/users/<name>` (or `roles/<name>`) |
/// | create user (with roles) | `PUT /v2/auth/users/<u>` `{"password":…,"roles":[…],"user":…}`: etcd's create-only path |
/// | create or update user | `PUT /v2/auth/users/<u>` `{"password":…,"user":…}`: etcd's create-or-update path |
/// | grant / revoke roles | `PUT /v2/auth/users/<u>` `{"grant":[…],"user":…}` / `{"revoke":[…],…}` |
/// | add role | `PUT /v2/auth/roles/<r>` `{"role":…}` |
/// | grant / revoke permissions | `PUT /v2/auth/roles/<r>` `{"grant":{"kv":{"read":[…],"write":[…]}},"role":…}` |
///
/// Names are percent-encoded in the path; etcd decodes them and requires the name in the
/// body to match.
enum AuthRequestBuilder {
    static let enablePath = "/v2/auth/enable"
    static let usersPath = "/v2/auth/users"
    static let rolesPath = "/v2/auth/roles"

    static func isEnabled() -> AdminRequest { AdminRequest(method: .get, path: enablePath) }
    static func enable() -> AdminRequest { AdminRequest(method: .put, path: enablePath) }
    static func disable() -> AdminRequest { AdminRequest(method: .delete, path: enablePath) }

    static func listUsers() -> AdminRequest { AdminRequest(method: .get, path: usersPath) }

    static func getUser(_ name: String) throws(EtcdAuthError) -> AdminRequest {
        AdminRequest(method: .get, path: try path(usersPath, name, what: "user"))
    }

    static func removeUser(_ name: String) throws(EtcdAuthError) -> AdminRequest {
        AdminRequest(method: .delete, path: try path(usersPath, name, what: "user"))
    }

    /// etcd's create-only write: a body with roles makes etcd refuse an existing user (409).
    static func createUser(_ name: String, password: String, roles: [String]) throws(EtcdAuthError) -> AdminRequest {
        try validatePassword(password)
        try validateNames(roles, what: "role")
        return AdminRequest(
            method: .put, path: try path(usersPath, name, what: "user"),
            json: UserBody(user: name, password: password, roles: unique(roles)))
    }

    /// etcd's create-or-update write: a body with only a password creates the user or
    /// replaces its password.
    static func createOrUpdateUser(_ name: String, password: String) throws(EtcdAuthError) -> AdminRequest {
        try validatePassword(password)
        return AdminRequest(
            method: .put, path: try path(usersPath, name, what: "user"), json: UserBody(user: name, password: password))
    }

    static func grantRoles(_ roles: [String], to user: String) throws(EtcdAuthError) -> AdminRequest {
        try validateNames(roles, what: "role")
        return AdminRequest(
            method: .put, path: try path(usersPath, user, what: "user"),
            json: UserBody(user: user, grant: unique(roles)))
    }

    static func revokeRoles(_ roles: [String], from user: String) throws(EtcdAuthError) -> AdminRequest {
        try validateNames(roles, what: "role")
        return AdminRequest(
            method: .put, path: try path(usersPath, user, what: "user"),
            json: UserBody(user: user, revoke: unique(roles)))
    }

    static func listRoles() -> AdminRequest { AdminRequest(method: .get, path: rolesPath) }

    static func getRole(_ name: String) throws(EtcdAuthError) -> AdminRequest {
        AdminRequest(method: .get, path: try path(rolesPath, name, what: "role"))
    }

    static func removeRole(_ name: String) throws(EtcdAuthError) -> AdminRequest {
        AdminRequest(method: .delete, path: try path(rolesPath, name, what: "role"))
    }

    static func addRole(_ name: String) throws(EtcdAuthError) -> AdminRequest {
        AdminRequest(method: .put, path: try path(rolesPath, name, what: "role"), json: RoleBody(role: name))
    }

    static func grantPermissions(_ access: KeyAccess, on patterns: [String], to role: String) throws(EtcdAuthError)
        -> AdminRequest
    {
        try changePermissions(of: role, grant: true, access: access, patterns: patterns)
    }

    static func revokePermissions(_ access: KeyAccess, on patterns: [String], from role: String) throws(EtcdAuthError)
        -> AdminRequest
    {
        try changePermissions(of: role, grant: false, access: access, patterns: patterns)
    }

    private static func changePermissions(of role: String, grant: Bool, access: KeyAccess, patterns: [String])
        throws(EtcdAuthError) -> AdminRequest
    {
        try validatePatterns(patterns)
        let change = PermissionsBody(access.permissions(on: unique(patterns)))
        return AdminRequest(
            method: .put, path: try path(rolesPath, role, what: "role"),
            json: RoleBody(role: role, grant: grant ? change : nil, revoke: grant ? nil : change))
    }

    // MARK: - Bodies (nil fields are left out)

    struct UserBody: Encodable, Equatable {
        var user: String
        var password: String?
        var roles: [String]?
        var grant: [String]?
        var revoke: [String]?
    }

    struct RoleBody: Encodable, Equatable {
        var role: String
        var grant: PermissionsBody?
        var revoke: PermissionsBody?
    }

    struct PermissionsBody: Codable, Equatable {
        struct KV: Codable, Equatable {
            var read: [String]?
            var write: [String]?
        }

        var kv: KV

        init(_ permissions: KeyPermissions) {
            kv = KV(read: permissions.read, write: permissions.write)
        }

        var permissions: KeyPermissions {
            KeyPermissions(read: kv.read ?? [], write: kv.write ?? [])
        }
    }

    // MARK: - Validation

    /// `items` without repeats, in their first order: etcd reads a repeated role or pattern in
    /// one grant as a duplicate grant (409), and would store a repeated role of a new user.
    static func unique(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }

    /// `prefix/<escaped name>` for a valid name.
    static func path(_ prefix: String, _ name: String, what: String) throws(EtcdAuthError) -> String {
        try validateName(name, what: what)
        return prefix + "/" + PercentEncoding.escapePath(name)
    }

    /// etcd splits the path on `/` after cleaning it, so a name must be non-empty, contain no
    /// `/`, and not be `.` or `..`; control characters are refused too.
    static func validateName(_ name: String, what: String) throws(EtcdAuthError) {
        let reason: String?
        if name.isEmpty {
            reason = "it is empty"
        } else if name.contains("/") {
            reason = "it contains \"/\""
        } else if name == "." || name == ".." {
            reason = "it is \(String(reflecting: name))"
        } else if name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            reason = "it contains a control character"
        } else {
            reason = nil
        }
        if let reason {
            throw EtcdAuthError(
                kind: .invalidArgument, message: "\(String(reflecting: name)) is not a \(what) name: \(reason)")
        }
    }

    /// A non-empty list of valid names (etcd reads an empty grant as a different request).
    static func validateNames(_ names: [String], what: String) throws(EtcdAuthError) {
        guard !names.isEmpty else { throw EtcdAuthError(kind: .invalidArgument, message: "no \(what) given") }
        for name in names { try validateName(name, what: what) }
    }

    /// etcd refuses to create a user with an empty password, and reads an empty password in
    /// an update as "keep the old one".
    static func validatePassword(_ password: String) throws(EtcdAuthError) {
        guard !password.isEmpty else { throw EtcdAuthError(kind: .invalidArgument, message: "the password is empty") }
    }

    /// A non-empty list of non-empty patterns: etcd stores an empty pattern, and then its
    /// handler panics (the connection is dropped without an answer) on every key request
    /// checked against the role.
    static func validatePatterns(_ patterns: [String]) throws(EtcdAuthError) {
        guard !patterns.isEmpty else { throw EtcdAuthError(kind: .invalidArgument, message: "no key pattern given") }
        guard !patterns.contains("") else {
            throw EtcdAuthError(kind: .invalidArgument, message: "a key pattern is empty")
        }
    }
}
