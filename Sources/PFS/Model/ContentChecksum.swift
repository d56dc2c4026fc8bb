import Synchronization

/// A checksum of a file version's content in one of the algorithms S3 clients send
/// (`x-amz-checksum-*`), kept with the version so a reader can check what it got against what the
/// writer sent.
public struct ContentChecksum: Hashable, Sendable {
    public enum Algorithm: String, CaseIterable, Sendable {
        case crc32, crc32c, crc64nvme, sha1, sha256

        /// The length of a value in bytes.
        public var size: Int {
            switch self {
            case .crc32, .crc32c: 4
            case .crc64nvme: 8
            case .sha1: 20
            case .sha256: 32
            }
        }

        /// Whether a whole-content value can be derived from the values of consecutive pieces
        /// (true of the CRCs, not of the SHAs).
        public var isCombinable: Bool {
            switch self {
            case .crc32, .crc32c, .crc64nvme: true
            case .sha1, .sha256: false
            }
        }
    }

    public var algorithm: Algorithm
    /// The raw value; CRCs big-endian, as S3 encodes them.
    public var value: [UInt8]
    /// For a checksum of the parts' checksums (S3's COMPOSITE type), the number of parts; nil for a
    /// checksum of the whole content (FULL_OBJECT).
    public var parts: Int?

    /// A checksum, or nil when `value` has the wrong length for `algorithm` or `parts` is not positive.
    public init?(_ algorithm: Algorithm, value: [UInt8], parts: Int? = nil) {
        guard value.count == algorithm.size, (parts ?? 1) >= 1 else { return nil }
        self.algorithm = algorithm
        self.value = value
        self.parts = parts
    }
}

/// A checksum that a body's reader learns only once the whole body has been read (an HTTP trailer,
/// say). Whoever reads the body fills it in before the body ends; the engine records it with the
/// file it writes.
public final class BodyChecksum: Sendable, Hashable {
    private let state = Mutex<ContentChecksum?>(nil)

    public init(_ value: ContentChecksum? = nil) {
        state.withLock { $0 = value }
    }

    public var value: ContentChecksum? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    public static func == (a: BodyChecksum, b: BodyChecksum) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
}

extension ContentChecksum {
    /// The polynomials (reflected) of the combinable CRCs.
    private static func polynomial(_ a: Algorithm) -> UInt64? {
        switch a {
        case .crc32: 0xEDB8_8320
        case .crc32c: 0x82F6_3B78
        case .crc64nvme: 0x9A6C_9329_AC4B_C9B5
        case .sha1, .sha256: nil
        }
    }

    /// The checksum of consecutive pieces' content, each given with its checksum (all of one
    /// algorithm) and size: for a CRC the CRC of the whole content (S3's FULL_OBJECT type), derived
    /// without reading it; nil for the SHAs, which cannot be combined.
    public static func combined(_ pieces: [(checksum: ContentChecksum, size: UInt64)]) -> ContentChecksum? {
        guard let first = pieces.first?.checksum, pieces.allSatisfy({ $0.checksum.algorithm == first.algorithm && $0.checksum.parts == nil }),
            let poly = polynomial(first.algorithm)
        else { return nil }
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        func bytes(_ w: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: w >> (8 * UInt64(n - 1 - $0))) } }
        var crc = word(first.value)
        for p in pieces.dropFirst() {
            if first.algorithm == .crc64nvme {
                crc = CRCCombine<UInt64>.combine(crc, word(p.checksum.value), lengthB: p.size, polynomial: poly)
            } else {
                crc = UInt64(CRCCombine<UInt32>.combine(UInt32(crc), UInt32(word(p.checksum.value)), lengthB: p.size, polynomial: UInt32(poly)))
            }
        }
        return ContentChecksum(first.algorithm, value: bytes(crc, first.algorithm.size))
    }

    /// S3's COMPOSITE checksum of parts: the checksum, in their algorithm, of their checksums one after
    /// another, marked with the number of parts; nil when they are not all whole-content checksums of one algorithm.
    public static func composite(_ parts: [ContentChecksum]) -> ContentChecksum? {
        guard let first = parts.first, parts.allSatisfy({ $0.algorithm == first.algorithm && $0.parts == nil }) else { return nil }
        var h = first.algorithm.makeHasher()
        for p in parts { p.value.withUnsafeBytes { h.update($0) } }
        return ContentChecksum(first.algorithm, value: h.digest, parts: parts.count)
    }
}
