@testable import EtcdV2
import Testing

/// The cluster layer's instants: integer nanoseconds, with saturating arithmetic.
struct MonotonicInstantTests {
    @Test(arguments: [
        (Duration.zero, Int64(0)),
        (.nanoseconds(1), 1),
        (.milliseconds(1_500), 1_500_000_000),
        (.seconds(-2), -2_000_000_000),
        (.nanoseconds(-1), -1),
        (.seconds(Int64.max), Int64.max),
        (.seconds(Int64.min), Int64.min),
    ])
    func durationsBecomeNanoseconds(duration: Duration, nanoseconds: Int64) {
        #expect(MonotonicInstant.nanoseconds(of: duration) == nanoseconds)
    }

    @Test func subNanosecondPartsAreDropped() {
        // 1.5 ns: Duration keeps attoseconds, the instants whole nanoseconds.
        #expect(MonotonicInstant.nanoseconds(of: .nanoseconds(1) + .nanoseconds(1) / 2) == 1)
    }

    @Test func addingAndSubtractingRoundTrips() {
        let start = MonotonicInstant(nanoseconds: 10_000_000_000)
        #expect((start + .milliseconds(250)).nanoseconds == 10_250_000_000)
        #expect((start + .milliseconds(-250)).nanoseconds == 9_750_000_000)
        #expect((start + .milliseconds(250)) - start == .milliseconds(250))
        #expect(start - (start + .milliseconds(250)) == .milliseconds(-250))
        #expect(start - start == .zero)
    }

    @Test func arithmeticSaturatesAtTheClocksEnds() {
        let late = MonotonicInstant(nanoseconds: .max - 5)
        #expect((late + .seconds(1)).nanoseconds == .max)
        let early = MonotonicInstant(nanoseconds: 5)
        #expect((early + .seconds(-1)).nanoseconds == 0)
        #expect(MonotonicInstant(nanoseconds: .max) - MonotonicInstant(nanoseconds: 0) == .nanoseconds(Int64.max))
        #expect(MonotonicInstant(nanoseconds: 0) - MonotonicInstant(nanoseconds: .max) == .nanoseconds(-Int64.max))
    }

    @Test func integerNanosecondsSaturateToo() {
        let start = MonotonicInstant(nanoseconds: 10_000_000_000)
        #expect(start.adding(nanoseconds: 250).nanoseconds == 10_000_000_250)
        #expect(MonotonicInstant(nanoseconds: .max - 5).adding(nanoseconds: 6).nanoseconds == .max)
        #expect(start.adding(nanoseconds: 250).nanoseconds(after: start) == 250)
        #expect(start.nanoseconds(after: start.adding(nanoseconds: 250)) == 0)
        #expect(start.nanoseconds(after: start) == 0)
    }

    @Test func nowMovesForwardAndComparesByTime() async throws {
        let before = MonotonicInstant.now
        try await Task.sleep(for: .milliseconds(20))
        let after = MonotonicInstant.now
        #expect(before < after)
        #expect(after - before >= .milliseconds(20))
    }
}
