import Foundation

/// ISO 8601-style timestamps as historians export them, parsed without Foundation's
/// formatters (locale-dependent, slow per cell): `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]]` with
/// an optional `Z` or `±HH[:MM]` offset; no offset means all cells share one clock.
enum Timestamp {
    /// Seconds since 1970-01-01T00:00 (of the file's clock), or nil when malformed.
    static func seconds(_ text: String) -> Double? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= s.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard s[k] >= 48, s[k] <= 57 else { return nil }
                v = v * 10 + Int(s[k] - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86400
        if i < s.count, s[i] == 84 || s[i] == 32 { // 'T' or ' '
            i += 1
            guard let hour = digits(2), expect(58), let minute = digits(2), hour < 24, minute < 60 else { return nil }
            seconds += Double(hour * 3600 + minute * 60)
            if expect(58) {
                guard let second = digits(2), second < 61 else { return nil }
                seconds += Double(second)
                if expect(46) {
                    var scale = 0.1
                    var any = false
                    while i < s.count, s[i] >= 48, s[i] <= 57 {
                        seconds += Double(s[i] - 48) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            if expect(90) { // 'Z'
            } else if i < s.count, s[i] == 43 || s[i] == 45 { // '+' / '-'
                let sign: Double = s[i] == 43 ? 1 : -1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(58)
                let om = i < s.count ? (digits(2) ?? 0) : 0
                seconds -= sign * Double(oh * 3600 + om * 60)
            }
        }
        return i == s.count ? seconds : nil
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
