import EtcdTestSupport
@testable import EtcdV2
import Testing

/// The leader lookup against servers that say what etcd members say right after a leader dies.
struct LeaderLocatorTests {
    static func member(clientURL: String) -> String {
        #"{"id":"8e9e05c52164694d","name":"m1","peerURLs":["http://127.0.0.1:1"],"clientURLs":["\#(clientURL)"]}"#
    }

    /// The request fails on the dead leader, and the member that answers still names it: the
    /// lookup must not pin it (the pin would then follow whichever member answers next).
    @Test func aLeaderThatJustFailedIsNotPinned() async throws {
        let dead = "http://127.0.0.1:\(try FreePort.allocate())"
        let survivor = try LoopbackServer(
            .respond(status: 200, headers: ["Content-Type": "application/json"], body: Self.member(clientURL: dead)))
        defer { survivor.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [dead, survivor.url], shuffleEndpoints: false))
        await #expect(throws: LeaderLocator.StaleLeader.self) {
            try await LeaderLocator.pinLeader(using: client.requester)
        }
        #expect(client.pinnedEndpoint == survivor.url)
        await client.shutdown()
    }

    @Test func aLiveLeaderIsPinned() async throws {
        let follower = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { follower.shutdown() }
        let leader = try LoopbackServer(.respond(status: 200, headers: [:], body: "{}"))
        defer { leader.shutdown() }
        let naming = try LoopbackServer(
            .respond(status: 200, headers: ["Content-Type": "application/json"], body: Self.member(clientURL: leader.url)))
        defer { naming.shutdown() }
        let client = try EtcdClient(
            configuration: .init(endpoints: [naming.url, follower.url, leader.url], shuffleEndpoints: false))
        #expect(try await LeaderLocator.pinLeader(using: client.requester) == leader.url)
        #expect(client.pinnedEndpoint == leader.url)
        await client.shutdown()
    }
}
