import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Each keys operation and option against a real etcd, asserting the server-side effect.
struct KeysAPIEtcdTests {
    @Test func setGetAndTheResponseHeaders() async throws {
        try await withClient { client, cluster in
            let set = try await client.keys.set("/a/b", value: "v1")
            #expect(set.action == .set)
            #expect(set.node?.key == "/a/b")
            #expect(set.node?.value == "v1")
            #expect(set.index != nil)
            #expect(set.clusterID != nil)
            let get = try await client.keys.get("a/b")
            #expect(get.action == .get)
            #expect(get.node?.value == "v1")
            #expect(get.node?.modifiedIndex == set.node?.modifiedIndex)
            // An independent client sees the same.
            let raw = try await LoopbackHTTP.request("GET", cluster.clientURL(0) + "/v2/keys/a/b")
            #expect(raw.body.contains(#""value":"v1""#))
        }
    }

    @Test func getOptions() async throws {
        try await withClient { client, _ in
            for name in ["c", "a", "b"] { _ = try await client.keys.set("/dir/\(name)", value: name) }
            _ = try await client.keys.set("/dir/sub/deep", value: "d")
            let flat = try await client.keys.get("/dir")
            #expect(flat.node?.isDirectory == true)
            #expect(flat.node?.nodes?.first { $0.key == "/dir/sub" }?.nodes == nil)
            let recursive = try await client.keys.get("/dir", options: .init(recursive: true, sorted: true, quorum: true))
            #expect(recursive.node?.nodes?.map(\.key) == ["/dir/a", "/dir/b", "/dir/c", "/dir/sub"])
            #expect(recursive.node?.nodes?.last?.nodes?.first?.value == "d")
        }
    }

    @Test func compareAndSwapByValueAndIndex() async throws {
        try await withClient { client, _ in
            let first = try await client.keys.set("/cas", value: "1")
            let wrongValue = await etcdError { try await client.keys.set("/cas", value: "2", options: .init(prevValue: "0")) }
            #expect(wrongValue?.code == .testFailed)
            let wrongIndex = await etcdError {
                try await client.keys.set("/cas", value: "2", options: .init(prevIndex: (first.node?.modifiedIndex ?? 0) + 100))
            }
            #expect(wrongIndex?.code == .testFailed)
            #expect(try await client.keys.get("/cas").node?.value == "1")  // nothing changed
            let swapped = try await client.keys.set("/cas", value: "2", options: .init(prevIndex: first.node?.modifiedIndex))
            #expect(swapped.action == .compareAndSwap)
            #expect(swapped.prevNode?.value == "1")
            let byValue = try await client.keys.set("/cas", value: "3", options: .init(prevValue: "2"))
            #expect(byValue.node?.value == "3")
        }
    }

    @Test func createUpdateAndPrevExist() async throws {
        try await withClient { client, _ in
            let created = try await client.keys.create("/once", value: "a")
            #expect(created.action == .create)
            let again = await etcdError { try await client.keys.create("/once", value: "b") }
            #expect(again?.code == .nodeExist)
            #expect(again?.isNodeExist == true)
            let updated = try await client.keys.update("/once", value: "c")
            #expect(updated.action == .update)
            let missing = await etcdError { try await client.keys.update("/never", value: "x") }
            #expect(missing?.isKeyNotFound == true)
            let noValue = try await client.keys.set("/quiet", value: "v", options: .init(noValueOnSuccess: true))
            #expect(noValue.node?.value == nil)
            let dir = try await client.keys.set("/adir", value: "", options: .init(dir: true))
            #expect(dir.node?.isDirectory == true)
        }
    }

    @Test func ttlExpiresAndRefreshKeepsCreatedIndex() async throws {
        try await withClient { client, _ in
            let short = try await client.keys.set("/ttl", value: "v", options: .init(ttl: .after(.seconds(1))))
            #expect(short.node?.ttl == 1)
            #expect(short.node?.expiration != nil)
            let refreshed = try await client.keys.refresh("/ttl", ttl: .seconds(30))
            #expect(refreshed.node?.createdIndex == short.node?.createdIndex)
            #expect(refreshed.node?.value == "v")
            #expect((refreshed.node?.ttl ?? 0) > 1)
            let missing = await etcdError { try await client.keys.refresh("/absent", ttl: .seconds(5)) }
            #expect(missing?.isKeyNotFound == true)
            let cleared = try await client.keys.set("/ttl", value: "v", options: .init(ttl: .clear))
            #expect(cleared.node?.ttl == nil)

            _ = try await client.keys.set("/dies", value: "v", options: .init(ttl: .after(.seconds(1))))
            try await Task.sleep(for: .milliseconds(2500))
            let expired = await etcdError { try await client.keys.get("/dies") }
            #expect(expired?.isKeyNotFound == true)
        }
    }

    @Test func createInOrderAndDeleteOptions() async throws {
        try await withClient { client, _ in
            let first = try await client.keys.createInOrder(inDirectory: "/queue", value: "j1")
            let second = try await client.keys.createInOrder(inDirectory: "/queue", value: "j2")
            #expect((first.node?.key ?? "") < (second.node?.key ?? ""))
            let wrong = await etcdError {
                try await client.keys.delete(second.node?.key ?? "", options: .init(prevValue: "nope"))
            }
            #expect(wrong?.code == .testFailed)
            let staleIndex = await etcdError {
                try await client.keys.delete(second.node?.key ?? "", options: .init(prevIndex: (second.node?.modifiedIndex ?? 0) + 50))
            }
            #expect(staleIndex?.code == .testFailed)
            let cad = try await client.keys.delete(second.node?.key ?? "", options: .init(prevValue: "j2"))
            #expect(cad.action == .compareAndDelete)
            let notEmpty = await etcdError { try await client.keys.delete("/queue", options: .init(dir: true)) }
            #expect(notEmpty?.code == .dirNotEmpty)
            let all = try await client.keys.delete("/queue", options: .init(recursive: true))
            #expect(all.action == .delete)
            let gone = await etcdError { try await client.keys.get("/queue") }
            #expect(gone?.isKeyNotFound == true)
        }
    }

    @Test(arguments: ["with space", "per%cent", "quest?ion", "hash#tag", "plus+sign", "amp&ersand", "ünïcødé/日本", "semi;colon=eq", "a..b"])
    func hardKeysAndValuesRoundTrip(name: String) async throws {
        try await withClient { client, _ in
            let key = "/hard/\(name)"
            let value = "v \(name) & = + % ; ü"
            let set = try await client.keys.set(key, value: value)
            #expect(set.node?.key == key)
            let get = try await client.keys.get(key)
            #expect(get.node?.value == value)
            let empty = try await client.keys.set(key + "-empty", value: "")
            #expect(empty.node?.value == "")
        }
    }

    @Test func aOneMebibyteValueRoundTrips() async throws {
        try await withClient { client, _ in
            let value = String(repeating: "a", count: 1 << 20) + "ü&=+%"
            _ = try await client.keys.set("/big", value: value)
            #expect(try await client.keys.get("/big").node?.value == value)
        }
    }

    @Test func keysTheServerWouldRewriteAreRejected() async throws {
        try await withClient { client, _ in
            for key in ["/a//b", "/a/../b", "/a/./b", "/a/"] {
                await #expect(throws: EtcdKeyError.self) { try await client.keys.set(key, value: "x") }
            }
        }
    }

    @Test func prefixedKeysAPI() async throws {
        try await withClient { client, _ in
            let app = try client.keys(prefix: "/app")
            _ = try await app.set("/config", value: "on")
            #expect(try await client.keys.get("/app/config").node?.value == "on")
            #expect(try await app.get("config").node?.key == "/app/config")
            let spaced = try client.keys(prefix: "/my app/100%")
            _ = try await spaced.set("k?", value: "v")
            #expect(try await client.keys.get("/my app/100%/k?").node?.value == "v")
            #expect(throws: EtcdKeyError.self) { try client.keys(prefix: "/a//b") }
        }
    }

    @Test func versionAndConfigurationErrors() async throws {
        try await withClient { client, _ in
            let version = try await client.version()
            #expect(version.server.hasPrefix("3.4"))
        }
        #expect(throws: EtcdConfigurationError.self) { try EtcdClient(configuration: .init(endpoints: ["localhost:2379"])) }
        #expect(throws: EtcdConfigurationError.self) { try EtcdClient(configuration: .init(endpoints: [])) }
        #expect(throws: EtcdConfigurationError.self) { try EtcdClient(configuration: .init(endpoints: ["http://u:p@127.0.0.1:1"])) }
    }
}
