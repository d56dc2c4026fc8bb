internal import CLibDeflate
internal import Crypto
import Foundation
import PFS

/// The algorithms of S3's `x-amz-checksum-*` headers and trailers.
typealias ChecksumAlgorithm = ContentChecksum.Algorithm

extension ContentChecksum.Algorithm {
    /// The header or trailer that carries this checksum.
    var headerName: String { "x-amz-checksum-\(rawValue)" }

    /// The algorithm's name in XML elements (`ChecksumCRC32`) and `x-amz-checksum-algorithm`.
    var s3Name: String { rawValue.uppercased() }

    init?(headerName: String) {
        let prefix = "x-amz-checksum-"
        guard headerName.hasPrefix(prefix), let a = Self(rawValue: String(headerName.dropFirst(prefix.count))) else { return nil }
        self = a
    }

    func makeHasher() -> ChecksumHasher {
        switch self {
        case .crc32: return .crc32(CRC32())
        case .crc32c: return .crc32c(SlicedCRC(tables: CRCTables.crc32c))
        case .crc64nvme: return .crc64(SlicedCRC(tables: CRCTables.crc64nvme))
        case .sha1: return .sha1(Insecure.SHA1())
        case .sha256: return .sha256(SHA256())
        }
    }
}

extension ContentChecksum {
    /// The value as S3 writes it: base64, then `-N` for a checksum of N parts' checksums.
    var s3Value: String { Data(value).base64EncodedString() + (parts.map { "-\($0)" } ?? "") }

    /// `x-amz-checksum-type`.
    var s3Type: String { parts == nil ? "FULL_OBJECT" : "COMPOSITE" }

    var s3Kind: S3ChecksumKind { S3ChecksumKind(algorithm: algorithm.s3Name, type: s3Type) }
}

/// A running checksum; ``base64`` is its value as S3 writes it.
enum ChecksumHasher {
    case crc32(CRC32)
    case crc32c(SlicedCRC<UInt32>)
    case crc64(SlicedCRC<UInt64>)
    case sha1(Insecure.SHA1)
    case sha256(SHA256)

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .crc32(var c):
            c.update(bytes)
            self = .crc32(c)
        case .crc32c(var c):
            c.update(bytes)
            self = .crc32c(c)
        case .crc64(var c):
            c.update(bytes)
            self = .crc64(c)
        case .sha1(var h):
            h.update(bufferPointer: bytes)
            self = .sha1(h)
        case .sha256(var h):
            h.update(bufferPointer: bytes)
            self = .sha256(h)
        }
    }

    var digest: [UInt8] {
        switch self {
        case .crc32(let c): return withUnsafeBytes(of: c.value.bigEndian) { Array($0) }
        case .crc32c(let c): return withUnsafeBytes(of: c.value.bigEndian) { Array($0) }
        case .crc64(let c): return withUnsafeBytes(of: c.value.bigEndian) { Array($0) }
        case .sha1(let h): return Array(h.finalize())
        case .sha256(let h): return Array(h.finalize())
        }
    }

    var base64: String { Data(digest).base64EncodedString() }
}

/// CRC-32 (IEEE, as zlib and S3's `x-amz-checksum-crc32`), by libdeflate.
struct CRC32 {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        value = libdeflate_crc32(value, base, bytes.count)
    }
}

/// A reflected CRC by table, slicing by 8 bytes: CRC-32C (Castagnoli) and CRC-64/NVME, for which no library here
/// has a fast version, and any other reflected polynomial (tests check ``CRC32`` against one).
struct SlicedCRC<Word: FixedWidthInteger & UnsignedInteger> {
    /// Tables 0-7 one after another: table k advances a byte k + 1 bytes before the end of an 8-byte step.
    private let tables: [Word]
    private var crc: Word = ~0

    init(tables: [Word]) { self.tables = tables }

    var value: Word { ~crc }

    static func makeTables(_ poly: Word) -> [Word] {
        var t = [Word](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = Word(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ poly : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
        }
        return t
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress else { return }
        var n = bytes.count
        var c = crc
        tables.withUnsafeBufferPointer { t in
            while n >= 8 {
                // The CRC covers the step's first bytes (4 of a 32-bit one, all 8 of a 64-bit one).
                let x = UInt64(c) ^ UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                var next: Word = 0
                for k in 0..<8 { next ^= t[(7 - k) * 256 + Int((x >> (8 * UInt64(k))) & 0xFF)] }
                c = next
                p += 8
                n -= 8
            }
            while n > 0 {
                c = (c >> 8) ^ t[Int((UInt8(truncatingIfNeeded: c) ^ p.load(as: UInt8.self)))]
                p += 1
                n -= 1
            }
        }
        crc = c
    }
}

/// The tables of the sliced CRCs S3 uses, made once.
enum CRCTables {
    static let crc32c = SlicedCRC<UInt32>.makeTables(0x82F6_3B78)
    static let crc64nvme = SlicedCRC<UInt64>.makeTables(0x9A6C_9329_AC4B_C9B5)
}
