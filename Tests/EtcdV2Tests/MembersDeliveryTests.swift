import EtcdTestSupport
@testable import EtcdV2
import Testing

/// What etcd cannot show: a membership change whose answer is lost, and a call's own time limit.
@Suite struct MembersDeliveryTests {
    @Test func aMemberAddWhoseAnswerIsLostIsNotSentAgain() async throws {
        let lost = try LoopbackServer(.closeAfterRequest)
        defer { lost.shutdown() }
        let member = #"{"id":"1","name":"","peerURLs":["http://10.0.0.4:2380"],"clientURLs":[]}"#
        let other = try LoopbackServer(
            .respond(status: 201, headers: ["Content-Type": "application/json"], body: member))
        defer { other.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [lost.url, other.url], shuffleEndpoints: false))
        let error = await typedError(EtcdOutcomeUnknownError.self) {
            try await client.members.add(peerURL: "http://10.0.0.4:2380")
        }
        #expect(error?.endpoint == lost.url)
        #expect(error?.cause.delivery == .possiblySent)
        #expect(lost.requestsReceived == 1)
        #expect(other.requestsReceived == 0)
        #expect(lost.receivedRequests.first?.method == "POST")
        #expect(lost.receivedRequests.first?.headers["content-type"] == "application/json")
        await client.shutdown()
    }

    @Test func aCallTimeoutBoundsTheWholeCall() async throws {
        let first = try LoopbackServer(.blackHole)
        defer { first.shutdown() }
        let second = try LoopbackServer(.blackHole)
        defer { second.shutdown() }
        let client = try EtcdClient(
            configuration: .init(
                endpoints: [first.url, second.url], headerTimeoutPerRequest: .seconds(5), shuffleEndpoints: false))
        let start = ContinuousClock.now
        let error = await typedError(EtcdDeadlineExceeded.self) {
            try await client.members.timeout(.milliseconds(300)).list()
        }
        let elapsed = ContinuousClock.now - start
        #expect(error?.timeout == .milliseconds(300))
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(4), "the header timeout (5 s) did not decide")
        await client.shutdown()
    }
}
