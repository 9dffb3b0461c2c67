/// One SRV record of a discovery lookup, as the pure layer sees it.
struct DiscoveredRecord: Sendable, Hashable {
    var priority: UInt16
    var weight: UInt16
    var port: UInt16
    /// As served, usually with its trailing dot (`infra0.example.com.`).
    var target: String
}

/// The order in which to try SRV records (RFC 2782). Pure: the random choices come from `pick`,
/// which tests script.
///
/// Lower priorities come first. Within one priority, records are drawn one by one by weighted
/// random selection: with the weights of the records left summing to `S`, a number `n` in
/// `0...S` is drawn and the first record whose running weight sum reaches `n` is next. Records
/// of weight 0 are placed first for each draw (RFC 2782), so they are picked only when `n` is 0;
/// among themselves they are shuffled ("any order"), so that clients of a domain whose records
/// all have weight 0 — the usual etcd setup — spread over the members instead of all starting
/// at the first record.
enum SRVOrdering {
    /// A uniformly random number in `0...upperBound`.
    typealias Pick = (_ upperBound: Int) -> Int

    /// A draw from the system's random number generator.
    static func systemPick(_ upperBound: Int) -> Int { Int.random(in: 0...upperBound) }

    /// `records` in the order to try them.
    static func ordered(_ records: [DiscoveredRecord], pick: Pick = systemPick) -> [DiscoveredRecord] {
        let priorities = Set(records.map(\.priority)).sorted()
        var result: [DiscoveredRecord] = []
        result.reserveCapacity(records.count)
        for priority in priorities {
            let group = records.filter { $0.priority == priority }
            var remaining = shuffled(group.filter { $0.weight == 0 }, pick: pick) + group.filter { $0.weight > 0 }
            while remaining.count > 1 {
                let total = remaining.reduce(0) { $0 + Int($1.weight) }
                let drawn = total == 0 ? 0 : clamped(pick(total), to: total)
                var running = 0
                let index = remaining.firstIndex { record in
                    running += Int(record.weight)
                    return running >= drawn
                } ?? remaining.count - 1
                result.append(remaining.remove(at: index))
            }
            result += remaining
        }
        return result
    }

    /// Fisher–Yates with `pick`.
    private static func shuffled(_ records: [DiscoveredRecord], pick: Pick) -> [DiscoveredRecord] {
        var records = records
        var index = records.count - 1
        while index > 0 {
            records.swapAt(index, clamped(pick(index), to: index))
            index -= 1
        }
        return records
    }

    private static func clamped(_ value: Int, to upperBound: Int) -> Int {
        min(max(value, 0), upperBound)
    }
}
