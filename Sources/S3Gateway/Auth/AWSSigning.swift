internal import Crypto
import Foundation

/// The byte-level pieces both AWS signature versions share: AWS's URI encoding, lenient
/// percent-decoding, hex, HMAC, constant-time comparison and the `x-amz-date` timestamp form.
enum AWSSigning {
    /// The largest difference S3 allows between a request's time and the server's: 15 minutes.
    static let maxSkew: TimeInterval = 900

    // MARK: - Encoding

    /// AWS's `UriEncode`: every byte percent-encoded (`%XX`, upper-case hex) except the RFC 3986
    /// unreserved characters `A-Z a-z 0-9 - . _ ~`, and `/` when `keepSlash`. A space becomes `%20`.
    static func uriEncode(_ bytes: some Sequence<UInt8>, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount + 8)
        for b in bytes {
            if isUnreserved(b) || (keepSlash && b == UInt8(ascii: "/")) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(S3URLEncoding.hexDigits[Int(b >> 4)])
                out.append(S3URLEncoding.hexDigits[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `uriEncode` of a string's UTF-8 bytes.
    static func uriEncode(_ text: some StringProtocol, keepSlash: Bool) -> String {
        uriEncode(text.utf8, keepSlash: keepSlash)
    }

    @inline(__always)
    static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Decodes `%XX` escapes to bytes, never failing: a `%` not followed by two hex digits stays a
    /// literal `%`. With `plusAsSpace`, `+` decodes to a space (a query string); otherwise it stays.
    static func percentDecodeBytes(_ text: some StringProtocol, plusAsSpace: Bool) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            if b == UInt8(ascii: "%"), i + 2 < utf8.count, let hi = S3URLEncoding.hexValue(utf8[i + 1]), let lo = S3URLEncoding.hexValue(utf8[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusAsSpace && b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                i += 1
            }
        }
        return out
    }

    /// A query name or value decoded as S3 reads it (`+` is a space). Bytes that are not UTF-8 are
    /// replaced; canonical forms are built from ``percentDecodeBytes(_:plusAsSpace:)`` instead.
    static func queryDecode(_ text: some StringProtocol) -> String {
        String(decoding: percentDecodeBytes(text, plusAsSpace: true), as: UTF8.self)
    }

    // MARK: - Digests

    static let lowerHexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(lowerHexDigits[Int(b >> 4)])
            out.append(lowerHexDigits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex SHA-256 of `bytes`.
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    /// Hex SHA-256 of a string's UTF-8 bytes.
    static func sha256Hex(_ text: String) -> String {
        sha256Hex(text.utf8)
    }

    /// The hex SHA-256 of nothing.
    static let emptySHA256 = sha256Hex([UInt8]())

    /// HMAC-SHA256 of a string's UTF-8 bytes.
    static func hmacSHA256(key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    /// Base64 HMAC-SHA1 of a string's UTF-8 bytes (Signature Version 2).
    static func hmacSHA1Base64(key: String, _ message: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(key.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Whether two signatures are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    // MARK: - Time

    /// Parses the ISO 8601 basic form of `x-amz-date` and `X-Amz-Date`: `20130524T000000Z`.
    static func parseAmzDate(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 16, u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var n = 0
            for i in r {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[i]) else { return nil }
                n = n * 10 + Int(u[i] - UInt8(ascii: "0"))
            }
            return n
        }
        guard let y = num(0..<4), let m = num(4..<6), let d = num(6..<8), let h = num(9..<11), let mi = num(11..<13), let s = num(13..<15),
              (1...12).contains(m), d >= 1, d <= S3Time.daysIn(month: m, year: y), h <= 23, mi <= 59, s <= 60
        else { return nil }
        let days = S3Time.daysFromCivil(y, m, d)
        return Date(timeIntervalSince1970: Double(days * 86_400 + Int64(h * 3600 + mi * 60 + s)))
    }

    /// Parses a `Date` / SigV2 `x-amz-date` header: any HTTP date form, and also RFC 1123 with a numeric
    /// zone (`Tue, 27 Mar 2007 19:36:42 +0000`), which AWS's own SigV2 examples use.
    static func parseHTTPDate(_ text: String) -> Date? {
        if let d = S3Time.parseHTTPDate(text) { return d }
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let space = t.lastIndex(of: " ") else { return nil }
        let zone = Array(t[t.index(after: space)...].utf8)
        guard zone.count == 5, zone[0] == UInt8(ascii: "+") || zone[0] == UInt8(ascii: "-"),
              zone[1...].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        let digits = zone[1...].map { Int($0 - UInt8(ascii: "0")) }
        let h = digits[0] * 10 + digits[1]
        let m = digits[2] * 10 + digits[3]
        guard h <= 23, m <= 59, let base = S3Time.parseHTTPDate(String(t[..<space]) + " GMT") else { return nil }
        let offset = TimeInterval((h * 60 + m) * 60) * (zone[0] == UInt8(ascii: "-") ? -1 : 1)
        return base.addingTimeInterval(-offset)
    }

    /// `date` in the ISO 8601 basic form: `20130524T000000Z`.
    static func amzDate(_ date: Date) -> String {
        let (days, secOfDay) = S3Time.floorDivMod(S3Time.seconds(date), 86_400)
        let (y, m, d) = S3Time.civil(fromDays: days)
        let s = Int(secOfDay)
        return S3Time.pad(y, 4) + S3Time.pad(m, 2) + S3Time.pad(d, 2) + "T" + S3Time.pad(s / 3600, 2) + S3Time.pad(s / 60 % 60, 2)
            + S3Time.pad(s % 60, 2) + "Z"
    }

    /// `RequestTimeTooSkewed` when `requestDate` is more than ``maxSkew`` away from `now`.
    static func checkSkew(_ requestDate: Date, sent: String, now: Date) throws(S3Error) {
        if abs(requestDate.timeIntervalSince(now)) > maxSkew {
            throw S3Error.requestTimeTooSkewed(requestTime: sent, serverTime: S3Time.iso8601(now))
        }
    }

    // MARK: - Header values

    /// A header value trimmed, with every inner run of spaces and tabs collapsed to one space (what
    /// SigV4 canonical headers and SigV2 canonical `x-amz-` headers both do).
    static func collapseSpaces(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for c in value.unicodeScalars {
            if c == " " || c == "\t" || c == "\r" || c == "\n" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
