internal import Crypto

/// A SHA-256 digest: the ID of a chunk or a tree node.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    @usableFromInline var w0, w1, w2, w3: UInt64

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// The digest stored as 32 bytes; nil unless `bytes` has exactly 32.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 32 else { return nil }
        // Words in locals, not an array: every file entry read from a tree leaf makes a digest or more.
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            switch i >> 3 {
            case 0: w0 = w0 << 8 | UInt64(b)
            case 1: w1 = w1 << 8 | UInt64(b)
            case 2: w2 = w2 << 8 | UInt64(b)
            default: w3 = w3 << 8 | UInt64(b)
            }
        }
        self.init(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    public init?(hex: String) {
        guard hex.utf8.count == 64, let b = Hex.decode(hex) else { return nil }
        self.init(bytes: b)
    }

    init(_ hash: SHA256.Digest) {
        self.init(bytes: Array(hash))!
    }

    /// SHA-256 of `data`.
    public static func of(_ data: UnsafeRawBufferPointer) -> Digest {
        Digest(SHA256.hash(data: data))
    }

    /// SHA-256 of `data`.
    public static func of(_ data: [UInt8]) -> Digest {
        data.withUnsafeBytes { of($0) }
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) }
        }
        return out
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (a: Digest, b: Digest) -> Bool { (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3) }
}
