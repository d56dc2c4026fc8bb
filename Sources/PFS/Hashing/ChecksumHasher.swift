internal import Crypto
import Foundation

extension ContentChecksum.Algorithm {
    /// A hasher that computes this checksum incrementally.
    public func makeHasher() -> ChecksumHasher { ChecksumHasher(self) }
}

/// A running checksum of one of the ``ContentChecksum/Algorithm``s.
public struct ChecksumHasher {
    private enum State {
        case crc32(CRC32)
        case crc32c(SlicedCRC<UInt32>)
        case crc64(SlicedCRC<UInt64>)
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
    }

    public let algorithm: ContentChecksum.Algorithm
    private var state: State

    init(_ algorithm: ContentChecksum.Algorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .crc32: state = .crc32(CRC32())
        case .crc32c: state = .crc32c(SlicedCRC(tables: CRCTables.crc32c))
        case .crc64nvme: state = .crc64(SlicedCRC(tables: CRCTables.crc64nvme))
        case .sha1: state = .sha1(Insecure.SHA1())
        case .sha256: state = .sha256(SHA256())
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .crc32(var c):
            c.update(bytes)
            state = .crc32(c)
        case .crc32c(var c):
            c.update(bytes)
            state = .crc32c(c)
        case .crc64(var c):
            c.update(bytes)
            state = .crc64(c)
        case .sha1(var h):
            h.update(bufferPointer: bytes)
            state = .sha1(h)
        case .sha256(var h):
            h.update(bufferPointer: bytes)
            state = .sha256(h)
        }
    }

    /// The value so far; CRCs big-endian, as S3 encodes them.
    public var digest: [UInt8] {
        switch state {
        case .crc32(let c): return withUnsafeBytes(of: c.value.bigEndian) { Array($0) }
        case .crc32c(let c): return withUnsafeBytes(of: c.value.bigEndian) { Array($0) }
        case .crc64(let c): return withUnsafeBytes(of: c.value.bigEndian) { Array($0) }
        case .sha1(let h): return Array(h.finalize())
        case .sha256(let h): return Array(h.finalize())
        }
    }

    public var base64: String { Data(digest).base64EncodedString() }
}
