/// Percent-encoding as S3 applies it to listings with `encoding-type=url`, and strict
/// percent-decoding of request paths.
public enum S3URLEncoding {
    /// `text` with every UTF-8 byte percent-encoded (`%XX`, upper-case hex) except the unreserved
    /// characters `A-Z a-z 0-9 - . _ ~` and `/`. A space becomes `%20`.
    public static func encode(_ text: String) -> String {
        let utf8 = text.utf8
        if utf8.allSatisfy(isKept) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            if isKept(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` encoded when `enabled` (the request said `encoding-type=url`), else unchanged.
    public static func encode(_ text: String, if enabled: Bool) -> String {
        enabled ? encode(text) : text
    }

    /// Decodes `%XX` escapes; `+` stays a plus sign (paths are not form data). nil when an escape
    /// is malformed or the bytes are not valid UTF-8.
    public static func percentDecode<S: StringProtocol>(_ text: S) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h != utf8.endIndex else { return nil }
                let l = utf8.index(after: h)
                guard l != utf8.endIndex, let hi = hexValue(utf8[h]), let lo = hexValue(utf8[l]) else { return nil }
                out.append(hi << 4 | lo)
                i = utf8.index(after: l)
            } else {
                out.append(b)
                i = utf8.index(after: i)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static let hexDigits = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func isKept(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
