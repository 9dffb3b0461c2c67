import CurlTransport

/// A point in time on the system's monotonic clock, as nanoseconds: the instants the cluster
/// layer keeps per request (deadlines) and per endpoint (cooldowns, last use).
///
/// It stands in for `ContinuousClock.Instant`, whose layout is resilient (the Concurrency
/// library is built for library evolution): each optional instant, and each struct holding
/// one (``EndpointHealth``), was copied, compared and destroyed through the runtime's value
/// witnesses, several times per request. This is one integer.
///
/// The clock is the transport's own (``CurlTransport/monotonicNanoseconds()``,
/// `CLOCK_MONOTONIC`: it does not count time suspended, which no deadline or cooldown of a
/// running process needs). Arithmetic saturates.
struct MonotonicInstant: Comparable, Hashable, Sendable {
    var nanoseconds: UInt64

    /// The current time.
    static var now: MonotonicInstant {
        MonotonicInstant(nanoseconds: CurlTransport.monotonicNanoseconds())
    }

    static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// `lhs` moved by `rhs` (back, for a negative duration), clamped to the clock's range.
    static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        let delta = nanoseconds(of: rhs)
        if delta >= 0 {
            let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(UInt64(delta))
            return MonotonicInstant(nanoseconds: overflow ? .max : sum)
        }
        let back = delta.magnitude
        return MonotonicInstant(nanoseconds: lhs.nanoseconds > back ? lhs.nanoseconds - back : 0)
    }

    /// This instant moved `nanoseconds` later, clamped to the clock's range.
    func adding(nanoseconds delta: UInt64) -> MonotonicInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return MonotonicInstant(nanoseconds: overflow ? .max : sum)
    }

    /// The nanoseconds from `earlier` to this instant; 0 when `earlier` is not earlier.
    func nanoseconds(after earlier: MonotonicInstant) -> UInt64 {
        nanoseconds > earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0
    }

    /// The time from `rhs` to `lhs` (negative when `rhs` is later).
    static func - (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Duration {
        lhs >= rhs
            ? .nanoseconds(Int64(clamping: lhs.nanoseconds - rhs.nanoseconds))
            : .nanoseconds(-Int64(clamping: rhs.nanoseconds - lhs.nanoseconds))
    }

    /// `duration` in whole nanoseconds, clamped to `Int64`'s range (292 years).
    static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }
}
