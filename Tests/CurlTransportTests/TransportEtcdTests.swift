@testable import CurlTransport
import EtcdTestSupport
import Testing

/// The transport against a real etcd started by the harness.
struct TransportEtcdTests {
    /// Runs `count` operations, at most `width` at a time.
    private func concurrently(
        _ count: Int, width: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<width {
                group.addTask {
                    for i in stride(from: worker, to: count, by: width) { try await operation(i) }
                }
            }
            try await group.waitForAll()
        }
    }

    private func put(_ key: String, _ value: String, on endpoint: String) -> TransportRequest {
        TransportTest.request(.put, endpoint, path: "/v2/keys/\(key)", body: "value=\(value)", headerTimeout: .seconds(5))
    }

    /// Polls `/v2/stats/store` until etcd has registered `count` watchers (at most 30 s).
    private func waitForWatchers(_ count: Int, on endpoint: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let stats = try await LoopbackHTTP.request("GET", endpoint + "/v2/stats/store")
            if stats.body.contains(#""watchers":\#(count)"#) { return }
            try #require(ContinuousClock.now < deadline, "etcd registered no \(count) watchers: \(stats.body)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Long polls without libcurl (``DirectRoute``): the same answers as libcurl's, and
    /// their connections are kept for the next long polls.
    @Test func directLongPollsKeepTheirConnections() async throws {
        try await withEtcdCluster(members: 1) { cluster in
            let endpoint = cluster.clientURLs[0]
            let transport = try CurlTransport()
            let start = try await transport.execute(put("direct/_start", "s", on: endpoint))
            let index = try #require(start.headers.first(named: "X-Etcd-Index").flatMap { Int($0) })
            let baseline = await transport.statistics()
            for round in 0..<3 {
                let watches = (0..<16).map { i in
                    Task {
                        try await transport.execute(
                            TransportRequest(
                                method: .get, endpoint: endpoint,
                                pathAndQuery: "/v2/keys/direct/k\(i)?wait=true&waitIndex=\(index + 1 + round * 16)",
                                headerTimeout: .seconds(5), isLongPoll: true))
                    }
                }
                try await waitForWatchers(16, on: endpoint)
                let during = await transport.statistics()
                #expect(during.trackedSockets >= 16)
                for i in 0..<16 { _ = try await transport.execute(put("direct/k\(i)", "r\(round)", on: endpoint)) }
                for (i, watch) in watches.enumerated() {
                    let response = try await watch.value
                    #expect(response.status == 200)
                    #expect(response.headers.first(named: "Content-Type") == "application/json")
                    #expect(response.headers.first(named: "X-Etcd-Index") != nil)
                    let body = String(decoding: response.body, as: UTF8.self)
                    #expect(body.contains(#""key":"/direct/k\#(i)","value":"r\#(round)""#), "\(body)")
                    #expect(response.reusedConnection == (round > 0))
                }
            }
            let after = await transport.statistics()
            // 16 long-poll connections, opened in the first round and kept; the puts reuse one.
            #expect(after.connectionsOpened - baseline.connectionsOpened == 16)
            await transport.shutdown()
            let closed = await transport.statistics()
            #expect(closed.socketsOpened == closed.socketsClosed)
            #expect(closed.trackedSockets == 0)
        }
    }

    /// 32 long polls open 32 connections; then 300 writes and 1,000 reads, 32 at a time, open
    /// none. Through libcurl, the long polls warm libcurl's cache for both. On the direct path
    /// the long polls and the reads share the direct connections, and the writes open their
    /// own (at most 32) libcurl connections, which the rest of the writes reuse.
    @Test(arguments: TransportTest.scopes)
    func manyConcurrentGetsAndPutsReuseConnections(scope: DirectPathScope) async throws {
        try await withEtcdCluster(members: 1) { cluster in
            let endpoint = cluster.clientURLs[0]
            let transport = try CurlTransport(configuration: .init(directPath: scope))

            // Hold 32 long polls open at once, so 32 connections exist, then release them.
            let watches = (0..<32).map { _ in
                Task {
                    try await transport.execute(
                        TransportRequest(method: .get, endpoint: endpoint, pathAndQuery: "/v2/keys/warm?wait=true", isLongPoll: true))
                }
            }
            // Release them only once etcd holds all 32: a poll that arrived after the write
            // would wait for the next one, forever (seen on a loaded machine after 300 ms).
            try await waitForWatchers(32, on: endpoint)
            _ = try await LoopbackHTTP.request("PUT", endpoint + "/v2/keys/warm", body: "value=go")
            for watch in watches {
                #expect(try await watch.value.status == 200)
            }
            let warm = await transport.statistics()
            #expect(warm.connectionsOpened == 32)

            try await concurrently(300, width: 32) { i in
                let response = try await transport.execute(put("conc/k\(i)", "v\(i)", on: endpoint))
                #expect(response.status == 201)
                #expect(response.headers.first(named: "X-Etcd-Index") != nil)
            }
            let written = await transport.statistics()
            if scope == .off {
                #expect(written.connectionsOpened == warm.connectionsOpened, "the writes reused the warm connections")
            } else {
                #expect(written.connectionsOpened - warm.connectionsOpened <= 32, "the writes opened at most one each")
            }
            try await concurrently(1000, width: 32) { i in
                let key = i % 300
                let response = try await transport.execute(
                    TransportTest.request(endpoint, path: "/v2/keys/conc/k\(key)", headerTimeout: .seconds(5)))
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self).contains(#""value":"v\#(key)""#))
            }
            let steady = await transport.statistics()
            #expect(steady.connectionsOpened == written.connectionsOpened, "reconnects in steady state")
            #expect(steady.socketsOpened == written.socketsOpened)
            #expect(steady.directRequests == (scope == .off ? 0 : 32 + 1000))

            // What the transport wrote is what etcd holds, read by an independent client.
            let reply = try await LoopbackHTTP.request("GET", endpoint + "/v2/keys/conc/k299")
            #expect(reply.body.contains(#""value":"v299""#))
            await transport.shutdown()
        }
    }

    @Test func errorStatusesComeBackAsResponses() async throws {
        try await withEtcdCluster(members: 1) { cluster in
            let endpoint = cluster.clientURLs[0]
            for scope in TransportTest.scopes {
                let transport = try CurlTransport(configuration: .init(directPath: scope))
                let missing = try await transport.execute(TransportTest.request(endpoint, path: "/v2/keys/missing"))
                #expect(missing.status == 404)
                #expect(missing.headers.first(named: "x-etcd-index") != nil)
                #expect(String(decoding: missing.body, as: UTF8.self).contains(#""errorCode":100"#))
                let version = try await transport.execute(TransportTest.request(endpoint, path: "/version"))
                #expect(version.status == 200)
                #expect(String(decoding: version.body, as: UTF8.self).contains("etcdserver"))
                #expect(await transport.statistics().directRequests == (scope == .off ? 0 : 2))
                await transport.shutdown()
            }
        }
    }

    @Test func aLongPollWaitsWithoutAHeaderTimeout() async throws {
        try await withEtcdCluster(members: 1) { cluster in
            let endpoint = cluster.clientURLs[0]
            let transport = try CurlTransport()
            let watch = Task {
                try await transport.execute(
                    TransportRequest(method: .get, endpoint: endpoint, pathAndQuery: "/v2/keys/lp?wait=true", isLongPoll: true))
            }
            try await waitForWatchers(1, on: endpoint)
            try await Task.sleep(for: .milliseconds(400))  // and still waiting after a while
            _ = try await transport.execute(put("lp", "fired", on: endpoint))
            let response = try await watch.value
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self).contains(#""value":"fired""#))
            await transport.shutdown()
        }
    }

    @Test func valuesOfAnySizeAndEncodingRoundTrip() async throws {
        try await withEtcdCluster(members: 1) { cluster in
            let endpoint = cluster.clientURLs[0]
            for scope in TransportTest.scopes {
                let transport = try CurlTransport(configuration: .init(directPath: scope))
                let big = String(repeating: "a", count: 1 << 20)
                let stored = try await transport.execute(put("big-\(scope)", big, on: endpoint))
                #expect(stored.status == 201)
                let read = try await transport.execute(TransportTest.request(endpoint, path: "/v2/keys/big-\(scope)"))
                #expect(read.body.count > 1 << 20)
                #expect(String(decoding: read.body, as: UTF8.self).contains("\"value\":\"\(big)\""))
                let empty = try await transport.execute(put("empty-\(scope)", "", on: endpoint))
                #expect(empty.status == 201)
                let readEmpty = try await transport.execute(TransportTest.request(endpoint, path: "/v2/keys/empty-\(scope)"))
                #expect(String(decoding: readEmpty.body, as: UTF8.self).contains("\"value\":\"\""))
                await transport.shutdown()
            }
        }
    }
}
