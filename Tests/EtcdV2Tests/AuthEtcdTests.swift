import EtcdTestSupport
@testable import EtcdV2
import Synchronization
import Testing

/// The auth API against a real 1-member etcd: users, roles, enabling, and what they let
/// requests with and without credentials do.
@Suite struct AuthEtcdTests {
    @Test func enablingAuthGatesAnonymousAndRoleLimitedAccess() async throws {
        try await withAuthClients { clients in
            let anonymous = try clients.make()
            let root = try clients.make(user: "root", password: "root-pw")
            #expect(try await anonymous.auth.isEnabled() == false)
            let noRoot = await authError { try await anonymous.auth.enable() }
            #expect(noRoot?.kind == .noRootUser)
            #expect(noRoot?.status == 409)

            // Before auth is on, anyone may manage it.
            try await anonymous.auth.users.add("root", password: "root-pw")
            #expect(try await anonymous.auth.users.get("root").roleNames == ["root"])
            #expect(try await anonymous.auth.roles.list().map(\.name).contains("root"))
            try await anonymous.auth.roles.add("app-reader")
            let reader = try await anonymous.auth.roles.grant(.read, on: ["/app/*"], to: "app-reader")
            #expect(reader == Role(name: "app-reader", permissions: KeyPermissions(read: ["/app/*"])))
            try await anonymous.auth.users.add("alice", password: "alice-pw", roles: ["app-reader"])
            _ = try await anonymous.keys.set("/app/x", value: "1")

            try await root.auth.enable()
            #expect(try await anonymous.auth.isEnabled() == true)
            #expect(await authError { try await root.auth.enable() }?.kind == .alreadyEnabled)

            // etcd made a guest role with read and write on everything: anonymous key access
            // goes on, anonymous management does not.
            let guest = try await root.auth.roles.get(Role.guestName)
            #expect(guest.permissions == KeyPermissions(read: ["/*"], write: ["/*"]))
            #expect(try await anonymous.keys.get("/app/x").node?.value == "1")
            let anonymousList = await authError { try await anonymous.auth.users.list() }
            #expect(anonymousList?.kind == .unauthorized)
            #expect(anonymousList?.status == 401)
            let anonymousAdd = await membersError { try await anonymous.members.add(peerURL: "http://127.0.0.1:9") }
            #expect(anonymousAdd?.kind == .unauthorized)

            // Without the guest's permissions, requests without credentials are refused.
            try await root.auth.roles.revoke(.readWrite, on: ["/*"], from: Role.guestName)
            #expect(await etcdError { try await anonymous.keys.get("/app/x") }?.code == .unauthorized)
            let wrongPassword = try clients.make(user: "alice", password: "wrong")
            #expect(await etcdError { try await wrongPassword.keys.get("/app/x") }?.code == .unauthorized)

            // alice reads /app, writes nothing, manages nothing.
            let alice = try clients.make(user: "alice", password: "alice-pw")
            #expect(try await alice.keys.get("/app/x").node?.value == "1")
            #expect(await etcdError { try await alice.keys.set("/app/x", value: "2") }?.code == .unauthorized)
            #expect(await etcdError { try await alice.keys.get("/other") }?.code == .unauthorized)
            #expect(await authError { try await alice.auth.users.list() }?.kind == .unauthorized)
            #expect(try await root.keys.get("/app/x").node?.value == "1")

            // Revoking the role from the user, or the permission from the role, takes effect.
            try await root.auth.users.revoke(["app-reader"], from: "alice")
            #expect(await etcdError { try await alice.keys.get("/app/x") }?.code == .unauthorized)
            try await root.auth.users.grant(["app-reader"], to: "alice")
            #expect(try await alice.keys.get("/app/x").node?.value == "1")
            let emptied = try await root.auth.roles.revoke(.read, on: ["/app/*"], from: "app-reader")
            #expect(emptied.permissions == KeyPermissions())
            #expect(await etcdError { try await alice.keys.get("/app/x") }?.code == .unauthorized)

            // What etcd never allows.
            let removeRoot = await authError { try await root.auth.users.remove("root") }
            #expect(removeRoot?.kind == .forbidden)
            #expect(removeRoot?.status == 403)
            #expect(
                await authError { try await root.auth.roles.grant(.read, on: ["/x"], to: "root") }?.kind == .forbidden)
            #expect(await authError { try await root.auth.roles.remove("root") }?.kind == .forbidden)

            // Disabling needs root, and restores anonymous access.
            #expect(await authError { try await alice.auth.disable() }?.kind == .unauthorized)
            try await root.auth.disable()
            #expect(try await anonymous.auth.isEnabled() == false)
            #expect(try await anonymous.keys.get("/app/x").node?.value == "1")
            _ = try await anonymous.keys.set("/app/x", value: "3")
            #expect(await authError { try await root.auth.disable() }?.kind == .alreadyDisabled)
        }
    }

    @Test func usersAndRolesAreCreatedOnceAndErrorsAreTyped() async throws {
        try await withAuthClients { clients in
            let admin = try clients.make(user: "root", password: "root-pw")
            let users = admin.auth.users
            let roles = admin.auth.roles
            try await roles.add("reader")
            try await roles.grant(.read, on: ["/*"], to: "reader")

            // add never changes an existing user: atomically with roles (etcd's 409), after
            // a check without.
            try await users.add("bob", password: "one", roles: ["reader"])
            let again = await authError { try await users.add("bob", password: "two", roles: ["reader"]) }
            #expect(again?.kind == .userAlreadyExists)
            #expect(again?.status == 409)
            let checked = await authError { try await users.add("bob", password: "three") }
            #expect(checked?.kind == .userAlreadyExists)
            #expect(checked?.status == nil)
            try await users.add("carol", password: "c1")
            #expect(await authError { try await users.add("carol", password: "c2") }?.kind == .userAlreadyExists)
            #expect(try await users.get("carol") == User(name: "carol"))
            #expect(try await users.createOrUpdate("carol", password: "c3") == .updated)
            #expect(try await users.createOrUpdate("dave", password: "d1") == .created)
            #expect(await authError { try await users.changePassword("nobody", to: "x") }?.kind == .userNotFound)
            try await users.changePassword("carol", to: "c4")
            #expect(try await users.list().map(\.name) == ["bob", "carol", "dave"])
            #expect(
                try await users.get("bob")
                    == User(name: "bob", roles: [Role(name: "reader", permissions: KeyPermissions(read: ["/*"]))]))

            // Conflicts, each typed by the call and the status.
            #expect(await authError { try await roles.add("reader") }?.kind == .roleAlreadyExists)
            #expect(await authError { try await roles.add("root") }?.kind == .forbidden)
            #expect(await authError { try await users.grant(["reader"], to: "bob") }?.kind == .roleAlreadyGranted)
            #expect(await authError { try await users.revoke(["reader"], from: "carol") }?.kind == .roleNotGranted)
            #expect(
                await authError { try await roles.grant(.read, on: ["/*"], to: "reader") }?.kind
                    == .permissionAlreadyGranted)
            #expect(
                await authError { try await roles.revoke(.write, on: ["/zzz"], from: "reader") }?.kind
                    == .permissionNotGranted)

            // Not found, whatever etcd's wording: every variant is recognised.
            var messages: Set<String> = []
            let notFound: [(EtcdAuthError.Kind, @Sendable () async throws -> Void)] = [
                (.userNotFound, { _ = try await users.get("nope") }),
                (.userNotFound, { try await users.remove("nope") }),
                (.userNotFound, { try await users.grant(["reader"], to: "nope") }),
                (.userNotFound, { try await users.revoke(["reader"], from: "nope") }),
                (.roleNotFound, { _ = try await roles.get("nope") }),
                (.roleNotFound, { try await roles.remove("nope") }),
                (.roleNotFound, { try await roles.grant(.read, on: ["/a"], to: "nope") }),
                (.roleNotFound, { try await users.grant(["nope"], to: "bob") }),
                (.roleNotFound, { try await users.add("erin", password: "e", roles: ["nope"]) }),
            ]
            for (kind, call) in notFound {
                let error = await authError { try await call() }
                #expect(error?.kind == kind, "\(String(describing: error))")
                #expect(error?.isNotFound == true)
                if let error, error.status == 404 { messages.insert(error.message.replacingNope()) }
            }
            #expect(messages.count >= 3, "etcd's not-found wordings: \(messages)")
            #expect(try await users.list().map(\.name) == ["bob", "carol", "dave"])

            // A removed role stays with its users; etcd then refuses to show them.
            try await roles.add("temp")
            try await users.grant(["temp"], to: "dave")
            try await roles.remove("temp")
            #expect(await authError { try await users.get("dave") }?.kind == .roleNotFound)
            #expect(await authError { try await users.add("dave", password: "d2") }?.kind == .userAlreadyExists)
            try await users.revoke(["temp"], from: "dave")
            #expect(try await users.get("dave") == User(name: "dave"))

            // Refused before sending.
            for call: @Sendable () async throws -> Void in [
                { try await users.add("", password: "x") },
                { try await users.add("a/b", password: "x") },
                { try await users.add("..", password: "x") },
                { try await users.add("frank", password: "") },
                { try await users.grant([], to: "bob") },
                { try await roles.grant(.read, on: [], to: "reader") },
                { try await roles.grant(.read, on: [""], to: "reader") },
            ] {
                let error = await authError { try await call() }
                #expect(error?.kind == .invalidArgument)
                #expect(error?.status == nil)
            }

            // Passwords: the refused adds changed nothing; changePassword did.
            try await users.add("root", password: "root-pw")
            try await users.grant(["reader"], to: "carol")
            try await admin.auth.enable()
            _ = try await admin.keys.set("/k", value: "v")
            for (user, password, allowed) in [
                ("bob", "one", true), ("bob", "two", false), ("bob", "three", false),
                ("carol", "c4", true), ("carol", "c1", false), ("carol", "c3", false),
            ] {
                let client = try clients.make(user: user, password: password)
                if allowed {
                    #expect(try await client.keys.get("/k").node?.value == "v", "\(user)/\(password)")
                } else {
                    #expect(
                        await etcdError { try await client.keys.get("/k") }?.code == .unauthorized,
                        "\(user)/\(password)")
                }
            }
        }
    }
}

extension String {
    /// The message with the name `nope` taken out, so wordings compare.
    fileprivate func replacingNope() -> String {
        split(separator: "nope", omittingEmptySubsequences: false).joined(separator: "…")
    }
}

/// Clients of one 1-member cluster with different credentials, all shut down at the end.
final class AuthClients: Sendable {
    let cluster: EtcdCluster
    private let made = Mutex<[EtcdClient]>([])

    init(cluster: EtcdCluster) {
        self.cluster = cluster
    }

    /// A client with `user`'s credentials, or none.
    func make(user: String? = nil, password: String = "") throws -> EtcdClient {
        let credentials = user.map { EtcdClient.Credentials(username: $0, password: password) }
        let client = try EtcdClient(configuration: .init(endpoints: cluster.clientURLs, credentials: credentials))
        made.withLock { $0.append(client) }
        return client
    }

    func shutdown() async {
        for client in made.withLock({ $0 }) { await client.shutdown() }
    }
}

/// Runs `body` with a fresh 1-member cluster and a client factory; shuts everything down.
func withAuthClients(_ body: (AuthClients) async throws -> Void) async throws {
    try await withEtcdCluster(members: 1) { cluster in
        let clients = AuthClients(cluster: cluster)
        do {
            try await body(clients)
        } catch {
            await clients.shutdown()
            throw error
        }
        await clients.shutdown()
    }
}
