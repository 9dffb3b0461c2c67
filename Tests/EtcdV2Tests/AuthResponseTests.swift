@testable import EtcdV2
import Testing

/// Auth answers as etcd 3.4 sends them (reference §3.8, `v2auth/auth.go`), decoded and
/// classified by status and call: every wording of a message gives the same kind.
struct AuthResponseTests {
    let endpoint = "http://127.0.0.1:2379"

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func decodesUsersAndRoles() throws {
        let alice = bytes(
            #"{"user":"alice","roles":[{"role":"app","permissions":{"kv":{"read":["/app/*"],"write":null}}}]}"#)
        #expect(
            try AuthResponseDecoder.user(status: 200, body: alice, endpoint: endpoint)
                == User(name: "alice", roles: [Role(name: "app", permissions: KeyPermissions(read: ["/app/*"]))]))
        // No roles: the field is left out (or null); never a spurious "" role (Go's L12).
        for body in [
            #"{"user":"bob"}"#, #"{"user":"bob","roles":null}"#, #"{"user":"bob","roles":[]}"#,
            #"{"user":"bob","roles":[{"role":""}]}"#,
        ] {
            #expect(
                try AuthResponseDecoder.user(status: 200, body: bytes(body), endpoint: endpoint) == User(name: "bob"))
        }
        let list = bytes(
            #"{"users":[{"user":"alice","roles":[{"role":"root","permissions":{"kv":{"read":["/*"],"write":["/*"]}}}]},{"user":"bob"}]}"#
        )
        #expect(
            try AuthResponseDecoder.users(status: 200, body: list, endpoint: endpoint).map(\.name) == ["alice", "bob"])
        #expect(try AuthResponseDecoder.users(status: 200, body: bytes(#"{"users":null}"#), endpoint: endpoint) == [])
        let roles = bytes(
            #"{"roles":[{"role":"root","permissions":{"kv":{"read":["/*"],"write":["/*"]}}},{"role":"empty","permissions":{"kv":{"read":[],"write":[]}}}]}"#
        )
        #expect(
            try AuthResponseDecoder.roles(status: 200, body: roles, endpoint: endpoint) == [
                Role(name: "root", permissions: KeyPermissions(read: ["/*"], write: ["/*"])), Role(name: "empty"),
            ])
        #expect(
            try AuthResponseDecoder.role(.getRole, status: 200, body: bytes(#"{"role":"bare"}"#), endpoint: endpoint)
                == Role(name: "bare"))
        #expect(
            try AuthResponseDecoder.isEnabled(status: 200, body: bytes(#"{"enabled":false}"#), endpoint: endpoint)
                == false)
        #expect(
            try AuthResponseDecoder.isEnabled(status: 200, body: bytes("{\"enabled\":true}\n"), endpoint: endpoint)
                == true)
        #expect(try AuthResponseDecoder.written(.createOrUpdateUser, status: 201, body: [], endpoint: endpoint) == true)
        #expect(
            try AuthResponseDecoder.written(.createOrUpdateUser, status: 200, body: [], endpoint: endpoint) == false)
    }

    @Test func successBodiesThatDoNotDecodeAreInvalid() {
        for body in ["", "{}", #"{"user":1}"#, "<html>"] {
            #expect { try AuthResponseDecoder.user(status: 200, body: bytes(body), endpoint: endpoint) } throws: {
                ($0 as? EtcdResponseError)?.kind == .invalidBody
            }
        }
    }

    @Test(arguments: [
        // Not found: the three wordings of users, the two of roles.
        (AuthResponseDecoder.Call.getUser, 404, "auth: User nope does not exist.", EtcdAuthError.Kind.userNotFound),
        (.removeUser, 404, "auth: User nope does not exist", .userNotFound),
        (.grantRoles, 404, "auth: User nope doesn't exist.", .userNotFound),
        (.revokeRoles, 404, "auth: User nope doesn't exist.", .userNotFound),
        (.getRole, 404, "auth: Role nope does not exist.", .roleNotFound),
        (.removeRole, 404, "auth: Role nope doesn't exist.", .roleNotFound),
        (.grantPermissions, 404, "auth: Role nope doesn't exist.", .roleNotFound),
        (.revokePermissions, 404, "auth: Role nope doesn't exist.", .roleNotFound),
        // Conflicts, by call.
        (.createUser, 409, "auth: User bob already exists.", .userAlreadyExists),
        (.createOrUpdateUser, 409, "auth: User bob already exists.", .concurrentChange),
        (.addRole, 409, "auth: Role app already exists.", .roleAlreadyExists),
        (.grantRoles, 409, "auth: Granting duplicate role app for user bob", .roleAlreadyGranted),
        (.revokeRoles, 409, "auth: Revoking ungranted role app for user bob", .roleNotGranted),
        (.grantPermissions, 409, "auth: Granting duplicate read permission /a", .permissionAlreadyGranted),
        (.enable, 409, "auth: already enabled", .alreadyEnabled),
        (.enable, 409, "auth: No root user available, please create one", .alreadyEnabled),
        (.disable, 409, "auth: already disabled", .alreadyDisabled),
        // Access.
        (.listUsers, 401, "Insufficient credentials", .unauthorized),
        (.disable, 401, "Insufficient credentials", .unauthorized),
        (.removeUser, 403, "auth: Cannot delete root user while auth is enabled.", .forbidden),
        (.grantPermissions, 403, "auth: Cannot modify role root: is root role.", .forbidden),
        // Malformed, or nothing to do.
        (.createUser, 400, "auth: Cannot create user bob with an empty password", .badRequest),
        (.addRole, 400, "Role JSON name does not match the name in the URL", .badRequest),
        (
            .revokePermissions, 400, "auth: Role not updated. Use grant/revoke to update the role.",
            .permissionNotGranted
        ),
        // Server trouble.
        (.listRoles, 500, "Not capable of accessing auth feature during rolling upgrades.", .serverError(500)),
        (.createUser, 503, "x", .serverError(503)),
        (.getUser, 409, "x", .unexpectedStatus(409)),
        (.isEnabled, 404, "x", .unexpectedStatus(404)),
    ])
    func classifiesByStatusAndCall(
        call: AuthResponseDecoder.Call, status: Int, message: String, kind: EtcdAuthError.Kind
    ) {
        let error = AuthResponseDecoder.error(
            for: call, status: status, body: AdminRequest.encode(["message": message]), endpoint: endpoint)
        #expect(
            error as? EtcdAuthError == EtcdAuthError(kind: kind, message: message, endpoint: endpoint, status: status))
    }

    @Test func enableConflictIsToldApartByTheState() {
        #expect(AuthResponseDecoder.enableConflict(authIsEnabled: true) == .alreadyEnabled)
        #expect(AuthResponseDecoder.enableConflict(authIsEnabled: false) == .noRootUser)
    }

    @Test func everyCallIsAUserCallARoleCallOrNeither() {
        for call in AuthResponseDecoder.Call.allCases {
            #expect(!(call.isUserCall && call.isRoleCall), "\(call)")
            let neither = [.isEnabled, .enable, .disable].contains(call)
            #expect(neither == !(call.isUserCall || call.isRoleCall), "\(call)")
        }
    }

    @Test(arguments: [
        (404, "404 page not found\n", EtcdResponseError.Kind.v2Disabled), (401, "", .unexpectedStatus(401)),
        (502, "<html>", .unexpectedStatus(502)),
    ])
    func bodiesThatAreNotEtcdsAreResponseErrors(status: Int, body: String, kind: EtcdResponseError.Kind) {
        let error = AuthResponseDecoder.error(for: .getUser, status: status, body: bytes(body), endpoint: endpoint)
        #expect((error as? EtcdResponseError)?.kind == kind)
    }

    @Test func descriptions() {
        let answered = EtcdAuthError(
            kind: .userNotFound, message: "auth: User bob does not exist.", endpoint: endpoint, status: 404)
        #expect(
            "\(answered)" == "auth: userNotFound: auth: User bob does not exist. (HTTP 404 from http://127.0.0.1:2379)")
        #expect(
            "\(EtcdAuthError(kind: .invalidArgument, message: "the password is empty"))"
                == "auth: invalidArgument: the password is empty")
        let members = EtcdMembersError(
            kind: .conflict, message: "membership: peerURL exists", endpoint: endpoint, status: 409)
        #expect("\(members)" == "members: conflict: membership: peerURL exists (HTTP 409 from http://127.0.0.1:2379)")
    }
}
