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

    /// etcd answers 500 to a configuration change its raft leader dropped (one proposed while
    /// the previous change was not yet applied there); update and remove, which change nothing
    /// when repeated, go on to the next member.
    @Test func anUpdateOrRemoveAnswered500GoesOnToTheNextMember() async throws {
        let failing = try LoopbackServer(
            .respond(status: 500, headers: ["Content-Type": "application/json"], body: #"{"message":"Internal Server Error"}"#))
        defer { failing.shutdown() }
        let other = try LoopbackServer(
            .respond(status: 404, headers: ["Content-Type": "application/json"], body: #"{"message":"No such member: deadbeef"}"#))
        defer { other.shutdown() }
        // A new client for each call, so each starts on the failing member.
        func firstOnTheFailingMember<T>(_ call: (EtcdClient) async throws -> T) async throws -> EtcdMembersError? {
            let client = try EtcdClient(configuration: .init(endpoints: [failing.url, other.url], shuffleEndpoints: false))
            let error = await typedError(EtcdMembersError.self) { _ = try await call(client) }
            await client.shutdown()
            return error
        }
        let update = try await firstOnTheFailingMember {
            try await $0.members.update(id: "deadbeef", peerURLs: ["http://127.0.0.1:9"])
        }
        #expect(update?.kind == .memberNotFound)
        #expect(update?.endpoint == other.url)
        let remove = try await firstOnTheFailingMember { try await $0.members.remove(id: "deadbeef") }
        #expect(remove?.kind == .memberNotFound)
        #expect(remove?.endpoint == other.url)
        #expect(failing.receivedRequests.map(\.method) == ["PUT", "DELETE"])
        #expect(other.receivedRequests.map(\.method) == ["PUT", "DELETE"])
        // An add is sent once: the 500 is its answer.
        let add = try await firstOnTheFailingMember { try await $0.members.add(peerURL: "http://10.0.0.4:2380") }
        #expect(add?.kind == .serverError(500))
        #expect(add?.endpoint == failing.url)
        #expect(other.requestsReceived == 2)

        // Refused by every member: the refusal, not the cluster error.
        let alsoFailing = try LoopbackServer(
            .respond(status: 500, headers: ["Content-Type": "application/json"], body: #"{"message":"Internal Server Error"}"#))
        defer { alsoFailing.shutdown() }
        let refusing = try EtcdClient(configuration: .init(endpoints: [failing.url, alsoFailing.url], shuffleEndpoints: false))
        let refused = await typedError(EtcdMembersError.self) { try await refusing.members.remove(id: "deadbeef") }
        #expect(refused?.kind == .serverError(500))
        #expect(refused?.endpoint == failing.url)
        #expect(refused?.message == "Internal Server Error, according to \(failing.url), \(alsoFailing.url)")
        await refusing.shutdown()
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
