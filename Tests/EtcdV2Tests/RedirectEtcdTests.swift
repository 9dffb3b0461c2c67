import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Redirects from a proxy in front of etcd: followed within the policy, relative ones resolved,
/// credentials never sent to another origin.
struct RedirectEtcdTests {
    static let credentials = EtcdClient.Credentials(username: "u", password: "secret")

    @Test func aRedirectToAnotherOriginIsFollowedWithoutCredentials() async throws {
        let target = try LoopbackServer(.respond(
            status: 200, headers: ["X-Etcd-Index": "7"], body: #"{"action":"get","node":{"key":"/r","value":"v","modifiedIndex":7,"createdIndex":7}}"#))
        defer { target.shutdown() }
        let proxy = try LoopbackServer(.respond(status: 307, headers: ["Location": target.url + "/v2/keys/r"], body: ""))
        defer { proxy.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [proxy.url], credentials: Self.credentials))
        defer { Task { await client.shutdown() } }
        let response = try await client.keys.get("/r")
        #expect(response.node?.value == "v")
        #expect(proxy.receivedRequests.first?.headers["authorization"] != nil)
        #expect(target.receivedRequests.count == 1)
        #expect(target.receivedRequests.first?.headers["authorization"] == nil)
    }

    @Test func aRelativeRedirectReachesEtcdWithMethodAndBody() async throws {
        try await withEtcdCluster(members: 1) { cluster in
            // etcd answers a PUT to an unclean path with a 301 and a relative Location; the
            // client never sends one itself, so a proxy stands in: it redirects every request
            // to etcd's origin with a relative path, through an absolute first hop.
            let proxy = try LoopbackServer(.respond(status: 308, headers: ["Location": cluster.clientURL(0) + "/v2/keys/a/./b/../c"], body: ""))
            defer { proxy.shutdown() }
            let client = try EtcdClient(configuration: .init(endpoints: [proxy.url]))
            defer { Task { await client.shutdown() } }
            let set = try await client.keys.set("/ignored", value: "through a redirect")
            #expect(set.node?.key == "/a/c")
            let direct = try EtcdClient(configuration: .init(endpoints: cluster.clientURLs))
            defer { Task { await direct.shutdown() } }
            #expect(try await direct.keys.get("/a/c").node?.value == "through a redirect")
        }
    }

    @Test func aRedirectLoopStopsAtTheLimit() async throws {
        let loop = try LoopbackServer(.respond(status: 302, headers: ["Location": "/v2/keys/again"], body: ""))
        defer { loop.shutdown() }
        // One header timeout covers all 11 hops: generous, so a loaded machine cannot cut them short.
        let client = try EtcdClient(configuration: .init(endpoints: [loop.url], headerTimeoutPerRequest: .seconds(30)))
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.keys.get("/x")
            Issue.record("expected too many redirects")
        } catch let error as EtcdClusterError {
            let redirect = try #require(error.failures.first?.error as? EtcdRedirectError)
            #expect(redirect.kind == .tooManyRedirects)
        }
        #expect(loop.requestsReceived == 11)  // the request and 10 redirects
        let strict = try EtcdClient(configuration: .init(endpoints: [loop.url], redirectPolicy: .none))
        defer { Task { await strict.shutdown() } }
        await #expect(throws: EtcdClusterError.self) { try await strict.keys.get("/x") }
        #expect(loop.requestsReceived == 12)
    }

    @Test func aRedirectWithoutLocationIsTyped() async throws {
        let server = try LoopbackServer(.respond(status: 301, headers: [:], body: ""))
        defer { server.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url]))
        defer { Task { await client.shutdown() } }
        do {
            _ = try await client.keys.get("/x")
            Issue.record("expected a redirect error")
        } catch let error as EtcdClusterError {
            #expect((error.failures.first?.error as? EtcdRedirectError)?.kind == .missingLocation)
        }
    }
}
