public import Synchronization

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
