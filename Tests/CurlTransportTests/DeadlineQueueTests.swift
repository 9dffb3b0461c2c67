@testable import CurlTransport
import Testing

struct DeadlineQueueTests {
    @Test func popsExpiredEntriesEarliestFirst() {
        var queue = DeadlineQueue<Int>()
        for (id, deadline) in [(1, 50), (2, 10), (3, 30), (4, 10), (5, 70)] {
            queue.insert(id, at: UInt64(deadline))
        }
        #expect(queue.earliest == 10)
        let none = queue.popExpired(now: 9)
        #expect(none.isEmpty)
        let expired = queue.popExpired(now: 30)
        #expect(expired.map(\.id) == [2, 4, 3])
        #expect(queue.earliest == 50)
        #expect(queue.count == 2)
    }

    @Test func removesOnlyTheMatchingEntry() {
        var queue = DeadlineQueue<Int>()
        queue.insert(1, at: 20)
        queue.insert(2, at: 20)
        queue.insert(3, at: 40)
        let removed = queue.remove(2, at: 20)
        let removedAgain = queue.remove(2, at: 20)
        let removedAtWrongDeadline = queue.remove(3, at: 20)
        #expect(removed && !removedAgain && !removedAtWrongDeadline)
        let expired = queue.popExpired(now: 100)
        #expect(expired.map(\.id) == [1, 3])
        #expect(queue.isEmpty)
        #expect(queue.earliest == nil)
    }

    @Test func handlesTheExtremes() {
        var queue = DeadlineQueue<Int>()
        queue.insert(1, at: .max)
        queue.insert(2, at: 0)
        let first = queue.popExpired(now: 0)
        let second = queue.popExpired(now: .max)
        #expect(first.map(\.id) == [2])
        #expect(second.map(\.id) == [1])
    }
}
