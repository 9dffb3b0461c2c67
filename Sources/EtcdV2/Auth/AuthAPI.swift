/// etcd's v2 auth: turning it on and off, and its users and roles.
///
/// ```swift
/// let admin = try EtcdClient(configuration: .init(endpoints: endpoints,
///                                                 credentials: .init(username: "root", password: rootPassword)))
/// try await admin.auth.users.add("root", password: rootPassword)
/// try await admin.auth.enable()
/// try await admin.auth.roles.add("app-reader")
/// try await admin.auth.roles.grant(.read, on: ["/app/*"], to: "app-reader")
/// try await admin.auth.users.add("alice", password: alicePassword, roles: ["app-reader"])
/// ```
///
/// Every call but ``isEnabled()`` needs the `root` user's credentials in the client's
/// configuration once auth is enabled (before that, anyone may call them). Credentials are
/// per client: make one client per identity. Reads fail over to the next member; changes are
/// sent once (a change whose answer is lost throws ``EtcdOutcomeUnknownError``).
///
/// Errors: ``EtcdAuthError`` for etcd's refusals, besides the cluster errors every call can
/// throw. See <doc:Security> for etcd's rules on `root` and `guest`.
public struct AuthAPI: Sendable {
    let requester: ClusterRequester
    /// The time each call may take in all, across endpoints; `nil`: no limit.
    let callTimeout: Duration?

    init(requester: ClusterRequester, callTimeout: Duration? = nil) {
        self.requester = requester
        self.callTimeout = callTimeout
    }

    /// The same API, with every request limited to `timeout` in all (across every endpoint
    /// tried), for ``users`` and ``roles`` too; a request that runs out of time throws
    /// ``EtcdDeadlineExceeded``. A change cut short this way may still be applied. Calls that
    /// make more than one request (a check, then a write) give each request this limit.
    public func timeout(_ timeout: Duration) -> AuthAPI {
        AuthAPI(requester: requester, callTimeout: timeout)
    }

    /// The users.
    public var users: AuthUsersAPI { AuthUsersAPI(requester: requester, callTimeout: callTimeout) }

    /// The roles.
    public var roles: AuthRolesAPI { AuthRolesAPI(requester: requester, callTimeout: callTimeout) }

    /// Whether auth is enabled (`GET /v2/auth/enable`, which the Go client lacks). Needs no
    /// credentials.
    public func isEnabled() async throws -> Bool {
        let (status, body, endpoint) = try await requester.send(AuthRequestBuilder.isEnabled(), timeout: callTimeout)
        return try AuthResponseDecoder.isEnabled(status: status, body: body, endpoint: endpoint)
    }

    /// Turns auth on. From then on requests without credentials get the `guest` role's
    /// permissions, which etcd creates (read and write on everything) if there is no `guest`
    /// role yet: revoke them to shut anonymous access out.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/noRootUser`` if there is no
    ///   `root` user yet, ``EtcdAuthError/Kind/alreadyEnabled``, or
    ///   ``EtcdAuthError/Kind/unauthorized`` (auth is on and the credentials are not root's).
    ///   etcd answers the first two with the same 409; the client then reads the state to
    ///   tell them apart.
    public func enable() async throws {
        let (status, body, endpoint) = try await requester.send(AuthRequestBuilder.enable(), timeout: callTimeout)
        do {
            try AuthResponseDecoder.written(.enable, status: status, body: body, endpoint: endpoint)
        } catch var error as EtcdAuthError where error.kind == .alreadyEnabled {
            error.kind = AuthResponseDecoder.enableConflict(authIsEnabled: try await isEnabled())
            throw error
        }
    }

    /// Turns auth off: every request is allowed again, with or without credentials. Users and
    /// roles are kept for the next ``enable()``.
    ///
    /// - Throws: ``EtcdAuthError`` of kind ``EtcdAuthError/Kind/alreadyDisabled``, or
    ///   ``EtcdAuthError/Kind/unauthorized`` when the credentials are not root's.
    public func disable() async throws {
        let (status, body, endpoint) = try await requester.send(AuthRequestBuilder.disable(), timeout: callTimeout)
        try AuthResponseDecoder.written(.disable, status: status, body: body, endpoint: endpoint)
    }
}

extension EtcdClient {
    /// The auth API of the cluster (users, roles, enabling).
    public var auth: AuthAPI { AuthAPI(requester: requester) }
}
