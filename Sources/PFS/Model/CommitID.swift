/// A commit ID: 32 lowercase hex characters (a UUIDv4 without dashes).
public struct CommitID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// Parses `string`; returns nil unless it is exactly 32 lowercase hex characters.
    public init?(_ string: String) {
        var s = string
        guard s.withUTF8({ Self.isValid($0) }) else { return nil }
        rawValue = s
    }

    /// A commit ID from its UTF-8 bytes, as stored in tree nodes; nil unless they are 32 lowercase hex characters.
    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard Self.isValid(bytes) else { return nil }
        rawValue = String(decoding: bytes, as: UTF8.self)
    }

    // On the bytes in place and without a branch per byte, so the compiler can vectorize it: every entry of
    // every leaf read from the store has one or more.
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 32 else { return false }
        var bad: UInt8 = 0
        for c in b {
            let notDigit: UInt8 = (c &- 0x30) >= 10 ? 1 : 0
            let notLower: UInt8 = (c &- 0x61) >= 6 ? 1 : 0
            bad |= notDigit & notLower
        }
        return bad == 0
    }

    /// A new random commit ID with the layout of a UUIDv4.
    public static func random() -> CommitID {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return CommitID(Hex.encode(bytes))!
    }

    public var description: String { rawValue }
    public static func < (a: CommitID, b: CommitID) -> Bool { a.rawValue < b.rawValue }
}

/// Lowercase hexadecimal text of bytes, and back.
public enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection<UInt8>>(_ bytes: C) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `s` (either case), or nil if it is not an even number of hex digits.
    public static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
