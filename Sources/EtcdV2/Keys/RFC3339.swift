import Foundation

/// RFC 3339 timestamps as etcd writes them (Go's `time.RFC3339Nano`): up to nine fractional
/// digits, e.g. `2026-11-25T11:02:03.123456789Z`.
///
/// Hand-written rather than `ISO8601DateFormatter`, which is not guaranteed to accept more
/// than three fractional digits everywhere. Pure arithmetic on the proleptic Gregorian
/// calendar; no `Calendar` or time zone database is involved.
enum RFC3339 {
    /// Seconds from 1970-01-01 to 2001-01-01, Foundation's reference date.
    private static let referenceDateOffset: Int64 = 978_307_200

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `nil` for anything else.
    static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        var position = 0

        func number(_ digits: Int) -> Int64? {
            guard position + digits <= bytes.count else { return nil }
            var result: Int64 = 0
            for byte in bytes[position..<(position + digits)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                result = result * 10 + Int64(byte - 0x30)
            }
            position += digits
            return result
        }
        func expect(_ accepted: UInt8...) -> Bool {
            guard position < bytes.count, accepted.contains(bytes[position]) else { return false }
            position += 1
            return true
        }

        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D),
            let day = number(2), expect(0x54, 0x74),  // T or t
            let hour = number(2), expect(0x3A), let minute = number(2), expect(0x3A),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }

        var nanoseconds: Int64 = 0
        if position < bytes.count, bytes[position] == 0x2E {  // .
            position += 1
            var digits = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int64(bytes[position] - 0x30) }
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
        }

        var offsetSeconds: Int64 = 0
        if expect(0x5A, 0x7A) {  // Z or z
        } else if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D {
            let sign: Int64 = bytes[position] == 0x2D ? -1 : 1
            position += 1
            guard let offsetHours = number(2), expect(0x3A), let offsetMinutes = number(2),
                offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard position == bytes.count else { return nil }

        let days = daysFromCivil(year: year, month: month, day: day)
        let unixSeconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let sinceReference = Double(unixSeconds - referenceDateOffset) + Double(nanoseconds) / 1e9
        return Date(timeIntervalSinceReferenceDate: sinceReference)
    }

    /// Formats `date` in UTC like Go's `RFC3339Nano`: nine fractional digits at most, trailing
    /// zeros (and a zero fraction) left out. `nil` outside the years 0000–9999, which RFC 3339
    /// cannot write (Go's `MarshalJSON` refuses them too).
    static func string(from date: Date) -> String? {
        let interval = date.timeIntervalSinceReferenceDate
        guard interval.isFinite, abs(interval) < 1e12 else { return nil }
        var whole = interval.rounded(.down)
        var nanoseconds = Int64(((interval - whole) * 1e9).rounded())
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            whole += 1
        }
        let unixSeconds = Int64(whole) + referenceDateOffset
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        guard (0...9999).contains(year) else { return nil }

        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        text += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if nanoseconds > 0 {
            var fraction = pad(nanoseconds, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    private static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
