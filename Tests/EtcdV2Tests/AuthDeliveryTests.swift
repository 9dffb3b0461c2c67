import EtcdTestSupport
@testable import EtcdV2
import Testing

/// What etcd cannot show: an auth change whose answer is lost, and a call's own time limit.
@Suite struct AuthDeliveryTests {
    @Test func aPasswordWriteWhoseAnswerIsLostIsNotSentAgain() async throws {
        let lost = try LoopbackServer(.closeAfterRequest)
        defer { lost.shutdown() }
        let other = try LoopbackServer(.respond(status: 201, headers: [:], body: #"{"user":"bob","roles":null}"#))
        defer { other.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [lost.url, other.url], shuffleEndpoints: false))
        let error = await typedError(EtcdOutcomeUnknownError.self) {
            try await client.auth.users.createOrUpdate("bob", password: "pw")
        }
        #expect(error?.endpoint == lost.url)
        #expect(lost.requestsReceived == 1)
        #expect(other.requestsReceived == 0)
        #expect(lost.receivedRequests.first?.method == "PUT")
        #expect(lost.receivedRequests.first?.target == "/v2/auth/users/bob")
        await client.shutdown()
    }

    @Test func aCallTimeoutReachesUsersAndRoles() async throws {
        let server = try LoopbackServer(.blackHole)
        defer { server.shutdown() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.url], headerTimeoutPerRequest: .seconds(5)))
        let auth = client.auth.timeout(.milliseconds(200))
        for call: () async throws -> Void in [
            { _ = try await auth.isEnabled() },
            { _ = try await auth.users.list() },
            { _ = try await auth.roles.get("app") },
        ] {
            let start = ContinuousClock.now
            let error = await typedError(EtcdDeadlineExceeded.self) { try await call() }
            let elapsed = ContinuousClock.now - start
            #expect(error?.timeout == .milliseconds(200))
            #expect(elapsed >= .milliseconds(200))
            #expect(elapsed < .seconds(4), "the header timeout (5 s) did not decide")
        }
        await client.shutdown()
    }
}
