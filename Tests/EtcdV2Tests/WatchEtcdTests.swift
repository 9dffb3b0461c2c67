import CurlTransport
import EtcdTestSupport
@testable import EtcdV2
import Testing

/// Watches against a real etcd: ordering, restarts, compaction.
struct WatchEtcdTests {
    /// Collects the values of `count` changes from `watch`.
    private func collect(_ count: Int, from watch: EtcdWatch) -> Task<[WatchEvent], any Error> {
        Task {
            var events: [WatchEvent] = []
            for try await event in watch {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
    }

    private func values(_ events: [WatchEvent]) -> [String] {
        events.compactMap { if case .change(let r) = $0 { r.node?.value } else { nil } }
    }

    @Test func aThousandWritesArriveInOrderNoneLost() async throws {
        try await withClient { client, _ in
            let start = try await client.keys.set("/w/start", value: "s")
            let watcher = collect(1000, from: client.keys.watch("/w", options: .init(afterIndex: start.index, recursive: true)))
            for i in 0..<1000 { _ = try await client.keys.set("/w/k\(i % 10)", value: "\(i)") }
            let events = try await watcher.value
            #expect(values(events) == (0..<1000).map(String.init))
            // To 127.0.0.1, the long polls went without libcurl handles (direct long polls).
            #expect(await client.requester.transport.statistics().directRequests > 0)
        }
    }

    @Test func survivesAMemberRestartWithoutLosingEvents() async throws {
        try await withClient { client, cluster in
            let start = try await client.keys.set("/r/start", value: "s")
            let watcher = collect(20, from: client.keys.watch("/r", options: .init(afterIndex: start.index, recursive: true)))
            for i in 0..<10 { _ = try await client.keys.set("/r/k", value: "\(i)") }
            try await cluster.kill(0)
            try await cluster.restart(0)
            try await cluster.waitHealthy()
            for i in 10..<20 { _ = try await client.keys.set("/r/k", value: "\(i)") }
            let events = try await watcher.value
            #expect(values(events) == (0..<20).map(String.init))
        }
    }

    @Test func eventIndexClearedResyncsThenResumes() async throws {
        try await withClient { client, cluster in
            let start = try await client.keys.set("/c/k", value: "start")
            // More than 1,000 writes before the watch polls: etcd has dropped the history.
            for i in 0..<1100 { _ = try await client.keys.set("/c/other", value: "\(i)") }
            let watcher = collect(2, from: client.keys.watch("/c", options: .init(afterIndex: start.index, recursive: true)))
            try await Task.sleep(for: .milliseconds(300))
            _ = try await LoopbackHTTP.request("PUT", cluster.clientURL(0) + "/v2/keys/c/k", body: "value=after")
            let events = try await watcher.value
            guard events.count == 2, case .resynced(let current) = events[0], case .change(let next) = events[1] else {
                Issue.record("expected a resync then a change, got \(events)")
                return
            }
            #expect(current.node?.isDirectory == true)
            #expect(next.node?.value == "after")
        }
    }

    @Test func aResyncOfAKeyThatDoesNotExistYetCarriesNoNodeAndResumes() async throws {
        try await withClient { client, cluster in
            let start = try await client.keys.set("/m/other", value: "start")
            // The watched key is never written before the history is gone: the resync's
            // quorum GET finds no key, which is a state, not an error.
            for i in 0..<1100 { _ = try await client.keys.set("/m/other", value: "\(i)") }
            let watcher = collect(2, from: client.keys.watch("/m/absent", options: .init(afterIndex: start.index)))
            try await Task.sleep(for: .milliseconds(300))
            _ = try await LoopbackHTTP.request("PUT", cluster.clientURL(0) + "/v2/keys/m/absent", body: "value=created")
            let events = try await watcher.value
            guard events.count == 2, case .resynced(let current) = events[0], case .change(let next) = events[1] else {
                Issue.record("expected a resync then a change, got \(events)")
                return
            }
            #expect(current.node == nil)
            #expect((current.index ?? 0) > (start.index ?? 0) + 1000)
            #expect(next.action == .set)
            #expect(next.node?.value == "created")
        }
    }

    @Test func theFailPolicyThrowsEventIndexCleared() async throws {
        try await withClient { client, _ in
            let start = try await client.keys.set("/f/k", value: "start")
            for i in 0..<1100 { _ = try await client.keys.set("/f/other", value: "\(i)") }
            var iterator = client.keys.watch("/f", options: .init(afterIndex: start.index, recursive: true), onIndexCleared: .fail)
                .makeAsyncIterator()
            do {
                _ = try await iterator.next()
                Issue.record("expected error 401")
            } catch let error as EtcdError {
                #expect(error.isEventIndexCleared)
            }
        }
    }

    @Test(arguments: ["garbage", #"{"action":"set"}"#, #"{"action":"set","node":{"key":7}}"#])
    func aMalformedWatchAnswerIsATypedError(body: String) async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: ["Content-Type": "application/json"], body: body))
        defer { server.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url]))
        var iterator = client.keys.watch("/k").makeAsyncIterator()
        do {
            _ = try await iterator.next()
            Issue.record("expected EtcdResponseError")
        } catch let error as EtcdResponseError {
            #expect(error.kind == .invalidBody)
        }
        await client.shutdown()
    }

    @Test func emptyAnswersArePolledAgainWithBackoff() async throws {
        let server = try LoopbackServer(.respond(status: 200, headers: [:], body: ""))
        defer { server.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url]))
        let watcher = Task { for try await _ in client.keys.watch("/k") {} }
        let bound = ContinuousClock.now + .seconds(10)
        while server.requestsReceived < 2 && ContinuousClock.now < bound {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.requestsReceived >= 2)  // polled again after an empty answer
        let before = server.requestsReceived
        try await Task.sleep(for: .seconds(1))
        let during = server.requestsReceived - before
        watcher.cancel()
        _ = await watcher.result
        // With backoff doubling from 50 ms, a second holds a handful of polls, not thousands.
        #expect(during <= 12)
        await client.shutdown()
    }

    @Test func cancellingTheConsumerEndsTheWatch() async throws {
        try await withClient { client, _ in
            let watcher = Task {
                var count = 0
                for try await _ in client.keys.watch("/never/changes") { count += 1 }
                return count
            }
            try await Task.sleep(for: .milliseconds(200))
            watcher.cancel()
            #expect(try await watcher.value == 0)
        }
    }
}
