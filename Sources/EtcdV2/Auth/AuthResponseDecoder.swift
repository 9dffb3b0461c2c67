/// Turns auth API answers into values or typed errors, by HTTP status, by which call was made
/// and by body structure (an etcd auth error is a JSON object with a `message`), never by the
/// message's text.
///
/// | status | user calls | role calls | enable / disable |
/// |---|---|---|---|
/// | 401 | `unauthorized` | `unauthorized` | `unauthorized` |
/// | 403 | `forbidden` (root user) | `forbidden` (root role) | |
/// | 404 | `userNotFound` | `roleNotFound` | |
/// | 409 | create: `userAlreadyExists`; grant: `roleAlreadyGranted`; revoke: `roleNotGranted`; create-or-update: `concurrentChange` | add: `roleAlreadyExists`; grant: `permissionAlreadyGranted` | `alreadyEnabled` or `noRootUser` (told apart by reading the state); `alreadyDisabled` |
/// | 400 | `badRequest` | revoke: `permissionNotGranted` (etcd's `Role not updated`); others: `badRequest` | |
/// | 5xx | `serverError` | `serverError` | `serverError` |
///
/// A body that is not an etcd error (empty, a proxy's page, the plain-text 404 of a member
/// without the v2 API) gives an ``EtcdResponseError`` instead.
enum AuthResponseDecoder {
    /// The calls, for the status table.
    enum Call: Sendable, Equatable, CaseIterable {
        case isEnabled, enable, disable
        case listUsers, getUser, createUser, createOrUpdateUser, removeUser, grantRoles, revokeRoles
        case listRoles, getRole, addRole, removeRole, grantPermissions, revokePermissions

        var isUserCall: Bool {
            switch self {
            case .listUsers, .getUser, .createUser, .createOrUpdateUser, .removeUser, .grantRoles, .revokeRoles: true
            default: false
            }
        }

        var isRoleCall: Bool {
            switch self {
            case .listRoles, .getRole, .addRole, .removeRole, .grantPermissions, .revokePermissions: true
            default: false
            }
        }
    }

    // MARK: - Successful answers

    struct Enabled: Decodable {
        var enabled: Bool
    }

    struct WireRole: Decodable {
        var role: String
        var permissions: AuthRequestBuilder.PermissionsBody?

        var value: Role {
            Role(name: role, permissions: permissions?.permissions ?? KeyPermissions())
        }
    }

    /// A user as `GET` sends it: roles as objects (`PUT` answers send names instead).
    struct WireUser: Decodable {
        var user: String
        var roles: [WireRole]?

        var value: User {
            User(name: user, roles: (roles ?? []).map(\.value).filter { !$0.name.isEmpty })
        }
    }

    struct UserList: Decodable {
        var users: [WireUser]?
    }

    struct RoleList: Decodable {
        var roles: [WireRole]?
    }

    static func isEnabled(status: Int, body: [UInt8], endpoint: String) throws -> Bool {
        try decode(Enabled.self, .isEnabled, status: status, body: body, endpoint: endpoint, what: "an auth state")
            .enabled
    }

    static func user(status: Int, body: [UInt8], endpoint: String) throws -> User {
        try decode(WireUser.self, .getUser, status: status, body: body, endpoint: endpoint, what: "a user").value
    }

    static func users(status: Int, body: [UInt8], endpoint: String) throws -> [User] {
        try
            (decode(UserList.self, .listUsers, status: status, body: body, endpoint: endpoint, what: "a user list")
            .users ?? [])
            .map(\.value)
    }

    static func role(_ call: Call, status: Int, body: [UInt8], endpoint: String) throws -> Role {
        try decode(WireRole.self, call, status: status, body: body, endpoint: endpoint, what: "a role").value
    }

    static func roles(status: Int, body: [UInt8], endpoint: String) throws -> [Role] {
        try
            (decode(RoleList.self, .listRoles, status: status, body: body, endpoint: endpoint, what: "a role list")
            .roles ?? [])
            .map(\.value)
    }

    /// Checks the status of a write whose body is not needed; returns whether etcd created
    /// something (201) rather than changed it (200).
    @discardableResult
    static func written(_ call: Call, status: Int, body: [UInt8], endpoint: String) throws -> Bool {
        guard status == 200 || status == 201 else {
            throw error(for: call, status: status, body: body, endpoint: endpoint)
        }
        return status == 201
    }

    private static func decode<Value: Decodable>(
        _ type: Value.Type, _ call: Call, status: Int, body: [UInt8], endpoint: String, what: String
    ) throws -> Value {
        guard status == 200 || status == 201 else {
            throw error(for: call, status: status, body: body, endpoint: endpoint)
        }
        return try AdminBody.decode(type, from: body, status: status, endpoint: endpoint, what: what)
    }

    // MARK: - Errors

    /// The error for an answer that is not the call's success.
    static func error(for call: Call, status: Int, body: [UInt8], endpoint: String) -> any Error & Sendable {
        guard let message = AdminErrorBody.message(in: body) else {
            return AdminBody.notAnAnswer(status: status, body: body, endpoint: endpoint)
        }
        return EtcdAuthError(
            kind: kind(for: call, status: status), message: message, endpoint: endpoint, status: status)
    }

    /// The kind for a status, by call (the table above). For `enable`'s 409 this is
    /// ``EtcdAuthError/Kind/alreadyEnabled``; ``enableConflict(authIsEnabled:)`` corrects it.
    static func kind(for call: Call, status: Int) -> EtcdAuthError.Kind {
        switch (status, call) {
        case (401, _): return .unauthorized
        case (403, _): return .forbidden
        case (400, .revokePermissions): return .permissionNotGranted
        case (400, _): return .badRequest
        case (404, _) where call.isUserCall: return .userNotFound
        case (404, _) where call.isRoleCall: return .roleNotFound
        case (409, .createUser): return .userAlreadyExists
        case (409, .createOrUpdateUser): return .concurrentChange
        case (409, .grantRoles): return .roleAlreadyGranted
        case (409, .revokeRoles): return .roleNotGranted
        case (409, .addRole): return .roleAlreadyExists
        case (409, .grantPermissions): return .permissionAlreadyGranted
        case (409, .enable): return .alreadyEnabled
        case (409, .disable): return .alreadyDisabled
        case (500..., _): return .serverError(status)
        default: return .unexpectedStatus(status)
        }
    }

    /// etcd answers `enable` with 409 both when auth is on already and when there is no
    /// `root` user; the state read after the 409 tells which.
    static func enableConflict(authIsEnabled: Bool) -> EtcdAuthError.Kind {
        authIsEnabled ? .alreadyEnabled : .noRootUser
    }
}
