/// A role of etcd's v2 auth: a name and the key patterns it may read and write.
///
/// Two roles are built in: `root` (everything, the only role that may manage auth and
/// membership; it cannot be changed or removed) and `guest` (the permissions of requests
/// without credentials; etcd creates it with read and write on `/*` when auth is first
/// enabled, so anonymous access continues until you revoke that).
public struct Role: Sendable, Hashable, Codable {
    /// The role's name.
    public var name: String
    /// The keys the role may read and write.
    public var permissions: KeyPermissions

    /// Creates a role description, e.g. for a test double.
    public init(name: String, permissions: KeyPermissions = KeyPermissions()) {
        self.name = name
        self.permissions = permissions
    }

    /// The name of the built-in role that may do everything.
    public static let rootName = "root"
    /// The name of the built-in role whose permissions apply to requests without credentials.
    public static let guestName = "guest"
}

/// Key patterns a role may read and write.
///
/// A pattern is an exact key (`/app/config`) or a prefix ending in `*` (`/app/*`, which
/// covers `/app/` and everything below, and `/app*`, which also covers `/apple`). A
/// recursive read (`get(_:options:)` with `recursive`) of `/app` needs a pattern covering
/// `/app` itself, such as `/app*`: `/app/*` does not allow it.
public struct KeyPermissions: Sendable, Hashable, Codable {
    /// Patterns of keys the role may read, sorted.
    public var read: [String]
    /// Patterns of keys the role may write (set, delete, …), sorted.
    public var write: [String]

    /// Creates a permission set.
    public init(read: [String] = [], write: [String] = []) {
        self.read = read
        self.write = write
    }
}

/// Which kind of access a grant or revoke is about.
public enum KeyAccess: Sendable, Hashable, CaseIterable {
    /// Reading keys.
    case read
    /// Writing keys.
    case write
    /// Reading and writing.
    case readWrite

    /// The permission set giving this access to `patterns`.
    public func permissions(on patterns: [String]) -> KeyPermissions {
        switch self {
        case .read: KeyPermissions(read: patterns)
        case .write: KeyPermissions(write: patterns)
        case .readWrite: KeyPermissions(read: patterns, write: patterns)
        }
    }
}

/// A user of etcd's v2 auth, with its roles.
///
/// Unlike the Go client's `User`, ``roles`` never contains an empty role name.
public struct User: Sendable, Hashable, Codable {
    /// The user's name.
    public var name: String
    /// The user's roles, with their permissions, in etcd's order (by name).
    public var roles: [Role]

    /// Creates a user description, e.g. for a test double.
    public init(name: String, roles: [Role] = []) {
        self.name = name
        self.roles = roles
    }

    /// The names of ``roles``.
    public var roleNames: [String] { roles.map(\.name) }

    /// The name of the user that holds the `root` role; it must exist before auth can be
    /// enabled, and cannot be removed while auth is enabled.
    public static let rootName = "root"
}
