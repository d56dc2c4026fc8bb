public import Foundation

/// The timestamp formats S3 speaks, formatted and parsed by hand (no `DateFormatter`: it is slow and
/// locale-sensitive).
public enum S3Time {
    /// `2026-11-25T10:12:57.000Z`: ISO 8601 in UTC with milliseconds, as in S3 XML bodies.
    public static func iso8601(_ date: Date) -> String {
        let ms = milliseconds(date)
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (y, m, d) = civil(fromDays: days)
        let secOfDay = Int(msOfDay / 1000)
        var s = ""
        s.reserveCapacity(24)
        s += pad(y, 4); s += "-"; s += pad(m, 2); s += "-"; s += pad(d, 2)
        s += "T"; s += pad(secOfDay / 3600, 2); s += ":"; s += pad(secOfDay / 60 % 60, 2); s += ":"; s += pad(secOfDay % 60, 2)
        s += "."; s += pad(Int(msOfDay % 1000), 3); s += "Z"
        return s
    }

    /// `Wed, 25 Nov 2026 10:12:57 GMT`: the RFC 1123 (IMF-fixdate) form of HTTP headers such as
    /// `Last-Modified`. Sub-second parts are dropped.
    public static func httpDate(_ date: Date) -> String {
        let secs = seconds(date)
        let (days, secOfDay) = floorDivMod(secs, 86_400)
        let (y, m, d) = civil(fromDays: days)
        // 1970-01-01 was a Thursday.
        let weekday = Int(floorDivMod(days + 4, 7).1)
        var s = weekdayNames[weekday] + ", " + pad(d, 2) + " " + monthNames[m - 1] + " " + pad(y, 4)
        s += " " + pad(Int(secOfDay) / 3600, 2) + ":" + pad(Int(secOfDay) / 60 % 60, 2) + ":" + pad(Int(secOfDay) % 60, 2) + " GMT"
        return s
    }

    /// Parses an HTTP date in RFC 1123 form (`Sun, 06 Nov 1994 08:49:37 GMT`), or in the two obsolete
    /// forms HTTP/1.1 still accepts: RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
    /// (`Sun Nov  6 08:49:37 1994`). The weekday is not checked. nil when it is none of these.
    public static func parseHTTPDate(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let comma = t.firstIndex(of: ",") {
            let rest = t[t.index(after: comma)...].split(separator: " ", omittingEmptySubsequences: true)
            if rest.count == 5, rest[4] == "GMT" || rest[4] == "UTC" {
                // RFC 1123: 06 Nov 1994 08:49:37 GMT
                guard rest[2].count == 4, let d = Int(rest[0]), let m = month(rest[1]), let y = Int(rest[2]) else {
                    return nil
                }
                return makeDate(y, m, d, time: rest[3])
            }
            if rest.count == 3, rest[2] == "GMT" {
                // RFC 850: 06-Nov-94 08:49:37 GMT
                let dmy = rest[0].split(separator: "-")
                guard dmy.count == 3, let d = Int(dmy[0]), let m = month(dmy[1]), let yy = Int(dmy[2]) else { return nil }
                let y = dmy[2].count == 2 ? (yy < 70 ? 2000 + yy : 1900 + yy) : yy
                return makeDate(y, m, d, time: rest[1])
            }
            return nil
        }
        // asctime: Sun Nov  6 08:49:37 1994
        let parts = t.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 5, let m = month(parts[1]), let d = Int(parts[2]), let y = Int(parts[4]) else { return nil }
        return makeDate(y, m, d, time: parts[3])
    }

    /// Milliseconds since 1970, rounded to the nearest millisecond so that a `Date` made from whole
    /// milliseconds comes back exact despite floating point.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Whole seconds since 1970 (rounded down), the resolution of HTTP dates.
    public static func seconds(_ date: Date) -> Int64 {
        floorDivMod(milliseconds(date), 1000).0
    }

    // MARK: - Calendar arithmetic

    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func month(_ name: Substring) -> Int? {
        guard let i = monthNames.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
        return i + 1
    }

    static func makeDate(_ y: Int, _ m: Int, _ d: Int, time: Substring) -> Date? {
        let hms = time.split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 3, hms.allSatisfy({ $0.count == 2 }),
              let h = Int(hms[0]), let mi = Int(hms[1]), let s = Int(hms[2]),
              (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s),
              (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y)
        else { return nil }
        let days = daysFromCivil(y, m, d)
        return Date(timeIntervalSince1970: Double(days * 86_400 + Int64(h * 3600 + mi * 60 + s)))
    }

    static func daysIn(month m: Int, year y: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }

    // Howard Hinnant's days-from-civil and civil-from-days.
    static func daysFromCivil(_ year: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
