@testable import EtcdV2
import Testing

/// RFC 2782 ordering with scripted random draws.
struct SRVOrderingTests {
    static func record(_ name: String, priority: UInt16 = 0, weight: UInt16 = 0) -> DiscoveredRecord {
        DiscoveredRecord(priority: priority, weight: weight, port: 2379, target: name + ".")
    }

    /// A `pick` that returns `draws` in turn (then 0) and records the bounds it was asked for.
    final class ScriptedPick {
        var draws: [Int]
        var bounds: [Int] = []
        init(_ draws: [Int]) { self.draws = draws }
        func pick(_ upperBound: Int) -> Int {
            bounds.append(upperBound)
            return draws.isEmpty ? 0 : draws.removeFirst()
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var records: [DiscoveredRecord]
        var draws: [Int]
        var order: [String]
        var bounds: [Int]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "priorities ascending, whatever the served order",
            records: [record("c", priority: 30), record("a", priority: 10), record("b", priority: 20)],
            draws: [], order: ["a", "b", "c"], bounds: []),
        Case(
            label: "weighted draw: 15 of 0...100 lands on b, 80 of 0...80 on c",
            records: [record("a", weight: 10), record("b", weight: 20), record("c", weight: 70)],
            draws: [15, 80], order: ["b", "c", "a"], bounds: [100, 80]),
        Case(
            label: "a draw equal to a running sum picks that record",
            records: [record("a", weight: 10), record("b", weight: 20)],
            draws: [10], order: ["a", "b"], bounds: [30]),
        Case(
            label: "weight 0 goes first in each draw and wins only a draw of 0",
            records: [record("heavy", weight: 5), record("zero", weight: 0)],
            draws: [0], order: ["zero", "heavy"], bounds: [5]),
        Case(
            label: "weight 0 loses any other draw",
            records: [record("zero", weight: 0), record("heavy", weight: 5)],
            draws: [1], order: ["heavy", "zero"], bounds: [5]),
        Case(
            label: "all weight 0: shuffled (Fisher-Yates), no weighted draws",
            records: [record("a"), record("b"), record("c")],
            draws: [0, 1], order: ["c", "b", "a"], bounds: [2, 1]),
        Case(
            label: "weights apply within a priority only",
            records: [
                record("low-1", priority: 2, weight: 90), record("high", priority: 1, weight: 1),
                record("low-2", priority: 2, weight: 10),
            ],
            draws: [95], order: ["high", "low-2", "low-1"], bounds: [100]),
        Case(
            label: "draws out of range are clamped",
            records: [record("a", weight: 1), record("b", weight: 1)],
            draws: [99], order: ["b", "a"], bounds: [2]),
        Case(label: "no records", records: [], draws: [], order: [], bounds: []),
    ]

    @Test(arguments: cases)
    func ordersByPriorityThenWeight(_ testCase: Case) {
        let pick = ScriptedPick(testCase.draws)
        let ordered = SRVOrdering.ordered(testCase.records, pick: pick.pick)
        #expect(ordered.map { String($0.target.dropLast()) } == testCase.order)
        #expect(pick.bounds == testCase.bounds)
    }

    @Test func weightsSetTheShareOfFirstPlace() {
        let records = [Self.record("light", weight: 1), Self.record("heavy", weight: 9)]
        var heavyFirst = 0
        for _ in 0..<2000 where SRVOrdering.ordered(records).first?.target == "heavy." { heavyFirst += 1 }
        // Expected 2000 × 9/11 ≈ 1636 (a draw in 0...10 picks "light" for 0 and 1).
        #expect((1450...1800).contains(heavyFirst))
    }

    @Test func zeroWeightsSpreadClientsOverTheMembers() {
        let records = ["a", "b", "c"].map { Self.record($0) }
        var firsts: [String: Int] = [:]
        for _ in 0..<1500 { firsts[SRVOrdering.ordered(records).first?.target ?? "", default: 0] += 1 }
        #expect(firsts.keys.sorted() == ["a.", "b.", "c."])
        #expect(firsts.values.allSatisfy { $0 > 350 })
    }
}
