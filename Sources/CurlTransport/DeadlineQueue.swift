/// The pending deadlines of a driver's transfers, earliest first.
///
/// One timer (the event loop's `timerfd`) serves every transfer: it is armed for ``earliest`` and, when it
/// fires, the driver pops what has expired. Header timeouts disappear once the headers arrive and
/// deadlines disappear once a transfer completes, so the queue holds at most one entry per
/// transfer in flight; a sorted array with binary search is the right size for that.
///
/// Pure value type, table-tested.
package struct DeadlineQueue<ID: Hashable & Sendable>: Sendable {
    package struct Entry: Sendable, Equatable {
        package var deadline: UInt64
        package var id: ID
    }

    private var entries: [Entry] = []

    package init() {}

    package var isEmpty: Bool { entries.isEmpty }
    package var count: Int { entries.count }
    /// The earliest deadline, if any.
    package var earliest: UInt64? { entries.first?.deadline }

    /// Adds `id` at `deadline`; entries with equal deadlines keep insertion order.
    package mutating func insert(_ id: ID, at deadline: UInt64) {
        let index = firstIndex(after: deadline)
        entries.insert(Entry(deadline: deadline, id: id), at: index)
    }

    /// Removes the entry of `id` at `deadline`, if present.
    @discardableResult
    package mutating func remove(_ id: ID, at deadline: UInt64) -> Bool {
        var index = firstIndex(notBefore: deadline)
        while index < entries.count, entries[index].deadline == deadline {
            if entries[index].id == id {
                entries.remove(at: index)
                return true
            }
            index += 1
        }
        return false
    }

    /// Removes and returns every entry whose deadline is at or before `now`, earliest first.
    package mutating func popExpired(now: UInt64) -> [Entry] {
        let end = firstIndex(after: now)
        guard end > 0 else { return [] }
        let expired = Array(entries[..<end])
        entries.removeFirst(end)
        return expired
    }

    /// Index of the first entry with a deadline `>= deadline`.
    private func firstIndex(notBefore deadline: UInt64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].deadline < deadline { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Index of the first entry with a deadline `> deadline`.
    private func firstIndex(after deadline: UInt64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].deadline <= deadline { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
