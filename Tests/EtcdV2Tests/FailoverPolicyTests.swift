@testable import EtcdV2
import Testing

struct FailoverPolicyTests {
    typealias Outcome = FailoverPolicy.Outcome
    typealias Decision = FailoverPolicy.Decision

    @Test(arguments: [
        // answers
        (Outcome.answered(status: 200), true, Decision.answer),
        (.answered(status: 201), false, .answer),
        (.answered(status: 404), true, .answer),  // key not found is an answer, not a failure
        (.answered(status: 412), false, .answer),  // compare failed
        (.answered(status: 500), true, .tryNext),  // a member without a leader: ask another
        (.answered(status: 503), true, .tryNext),
        (.answered(status: 500), false, .answer),  // a write's 5xx carries etcd's verdict (e.g. code 300)
        // transport failures
        (.transportFailed(delivery: .notSent), true, .tryNext),
        (.transportFailed(delivery: .notSent), false, .tryNext),  // refused/unreachable: safe for writes too
        (.transportFailed(delivery: .possiblySent), true, .tryNext),
        (.transportFailed(delivery: .possiblySent), false, .stop),  // never a second send
        // refused answers: another cluster, a redirect not followed
        (.rejected, true, .tryNext),
        (.rejected, false, .tryNext),
        // the caller's deadline
        (.deadlineExceeded, true, .stop),
        (.deadlineExceeded, false, .stop),
    ])
    func decisions(outcome: Outcome, isIdempotent: Bool, expected: Decision) {
        #expect(FailoverPolicy.decide(outcome, isIdempotent: isIdempotent) == expected)
    }

    @Test(arguments: [
        (3, 0, [0, 1, 2]),
        (3, 1, [1, 2, 0]),
        (3, 2, [2, 0, 1]),
        (3, 5, [2, 0, 1]),
        (1, 0, [0]),
        (0, 0, []),
    ])
    func attemptOrderStartsAtThePinnedEndpoint(count: Int, pinned: Int, order: [Int]) {
        #expect(FailoverPolicy.attemptOrder(count: count, pinned: pinned) == order)
    }

    static let ms = Duration.milliseconds

    @Test(arguments: [
        // all available: round robin from the pin
        (1, [nil, nil, nil] as [Duration?], [1, 2, 0], [] as [Int]),
        // the pinned endpoint cools down: the others in turn, then it as a last resort
        (0, [ms(300), nil, nil], [1, 2, 0], []),
        // two cooling: the one whose cooldown ends first is the last resort, the other skipped
        (1, [nil, ms(100), ms(50)], [0, 2], [1]),
        (0, [nil, ms(100), ms(500), nil], [0, 3, 1], [2]),
        // all cooling: only the one whose cooldown ends first
        (0, [ms(300), ms(100), ms(200)], [1], [0, 2]),
        (2, [ms(300), ms(300), ms(300)], [2], [0, 1]),
        // one endpoint cooling: tried anyway (nothing else to try)
        (0, [ms(900)], [0], []),
        (0, [], [], []),
    ])
    func planSkipsCoolingEndpoints(pinned: Int, cooldownLeft: [Duration?], order: [Int], skipped: [Int]) {
        let plan = FailoverPolicy.plan(pinned: pinned, cooldownLeft: cooldownLeft)
        #expect(plan.order == order)
        #expect(plan.skipped == skipped)
    }
}
