import CurlTransport
@testable import EtcdV2
import Testing

/// Auth requests, byte for byte, and the checks made before sending.
struct AuthRequestTests {
    @Test func requests() throws {
        let cases: [(build: () throws -> AdminRequest, method: HTTPMethod, path: String, body: String?)] = [
            ({ AuthRequestBuilder.isEnabled() }, HTTPMethod.get, "/v2/auth/enable", nil as String?),
            ({ AuthRequestBuilder.enable() }, .put, "/v2/auth/enable", nil),
            ({ AuthRequestBuilder.disable() }, .delete, "/v2/auth/enable", nil),
            ({ AuthRequestBuilder.listUsers() }, .get, "/v2/auth/users", nil),
            ({ AuthRequestBuilder.listRoles() }, .get, "/v2/auth/roles", nil),
            ({ try AuthRequestBuilder.getUser("alice") }, .get, "/v2/auth/users/alice", nil),
            ({ try AuthRequestBuilder.removeUser("a b%") }, .delete, "/v2/auth/users/a%20b%25", nil),
            (
                { try AuthRequestBuilder.createUser("alice", password: "pw\"", roles: ["app", "ops"]) }, .put,
                "/v2/auth/users/alice",
                #"{"password":"pw\"","roles":["app","ops"],"user":"alice"}"#
            ),
            (
                { try AuthRequestBuilder.createOrUpdateUser("ü", password: "x") }, .put, "/v2/auth/users/%C3%BC",
                #"{"password":"x","user":"ü"}"#
            ),
            (
                { try AuthRequestBuilder.grantRoles(["app"], to: "bob") }, .put, "/v2/auth/users/bob",
                #"{"grant":["app"],"user":"bob"}"#
            ),
            (
                { try AuthRequestBuilder.revokeRoles(["app"], from: "bob") }, .put, "/v2/auth/users/bob",
                #"{"revoke":["app"],"user":"bob"}"#
            ),
            ({ try AuthRequestBuilder.getRole("app") }, .get, "/v2/auth/roles/app", nil),
            ({ try AuthRequestBuilder.removeRole("app") }, .delete, "/v2/auth/roles/app", nil),
            ({ try AuthRequestBuilder.addRole("app") }, .put, "/v2/auth/roles/app", #"{"role":"app"}"#),
            (
                { try AuthRequestBuilder.grantPermissions(.read, on: ["/app/*"], to: "app") }, .put,
                "/v2/auth/roles/app",
                #"{"grant":{"kv":{"read":["/app/*"],"write":[]}},"role":"app"}"#
            ),
            (
                { try AuthRequestBuilder.grantPermissions(.write, on: ["/a", "/b*"], to: "app") }, .put,
                "/v2/auth/roles/app",
                #"{"grant":{"kv":{"read":[],"write":["/a","/b*"]}},"role":"app"}"#
            ),
            (
                { try AuthRequestBuilder.revokePermissions(.readWrite, on: ["/*"], from: "guest") }, .put,
                "/v2/auth/roles/guest",
                #"{"revoke":{"kv":{"read":["/*"],"write":["/*"]}},"role":"guest"}"#
            ),
            (
                { try AuthRequestBuilder.createUser("u", password: "p", roles: ["b", "a", "b"]) }, .put,
                "/v2/auth/users/u",
                #"{"password":"p","roles":["b","a"],"user":"u"}"#
            ),
            (
                { try AuthRequestBuilder.grantRoles(["a", "a"], to: "u") }, .put, "/v2/auth/users/u",
                #"{"grant":["a"],"user":"u"}"#
            ),
            (
                { try AuthRequestBuilder.grantPermissions(.readWrite, on: ["/a", "/a"], to: "r") }, .put,
                "/v2/auth/roles/r",
                #"{"grant":{"kv":{"read":["/a"],"write":["/a"]}},"role":"r"}"#
            ),
        ]
        for (build, method, path, body) in cases {
            let request = try build()
            #expect(request.method == method)
            #expect(request.path == path)
            #expect(request.bodyText == body)
            #expect(request.isIdempotent == (method == .get))
            #expect(request.headers == (body == nil ? [] : [HTTPHeader("Content-Type", "application/json")]))
        }
    }

    @Test(arguments: ["", "a/b", "/", ".", "..", "tab\there", "del\u{7F}"])
    func refusedNames(name: String) {
        let builds: [() throws -> AdminRequest] = [
            { try AuthRequestBuilder.getUser(name) },
            { try AuthRequestBuilder.createOrUpdateUser(name, password: "x") },
            { try AuthRequestBuilder.createUser("u", password: "x", roles: [name]) },
            { try AuthRequestBuilder.grantRoles(["ok", name], to: "u") },
            { try AuthRequestBuilder.addRole(name) },
            { try AuthRequestBuilder.grantPermissions(.read, on: ["/a"], to: name) },
        ]
        for build in builds {
            #expect { try build() } throws: { ($0 as? EtcdAuthError)?.kind == .invalidArgument }
        }
    }

    @Test func refusedArguments() {
        let builds: [() throws -> AdminRequest] = [
            { try AuthRequestBuilder.createOrUpdateUser("u", password: "") },
            { try AuthRequestBuilder.createUser("u", password: "", roles: ["r"]) },
            { try AuthRequestBuilder.createUser("u", password: "x", roles: []) },
            { try AuthRequestBuilder.grantRoles([], to: "u") },
            { try AuthRequestBuilder.revokeRoles([], from: "u") },
            { try AuthRequestBuilder.grantPermissions(.read, on: [], to: "r") },
            { try AuthRequestBuilder.revokePermissions(.write, on: ["/a", ""], from: "r") },
        ]
        for build in builds {
            #expect { try build() } throws: { error in
                guard let error = error as? EtcdAuthError else { return false }
                return error.kind == .invalidArgument && error.status == nil && error.endpoint == nil
            }
        }
    }

    @Test(arguments: [
        (KeyAccess.read, KeyPermissions(read: ["/a"])),
        (.write, KeyPermissions(write: ["/a"])),
        (.readWrite, KeyPermissions(read: ["/a"], write: ["/a"])),
    ])
    func access(access: KeyAccess, permissions: KeyPermissions) {
        #expect(access.permissions(on: ["/a"]) == permissions)
    }
}
