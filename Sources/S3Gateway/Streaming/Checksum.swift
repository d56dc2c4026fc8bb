internal import CLibDeflate
internal import Crypto
import Foundation

/// The checksum algorithms of S3's `x-amz-checksum-*` headers and trailers, computed incrementally.
enum ChecksumAlgorithm: String, CaseIterable, Sendable {
    case crc32, crc32c, crc64nvme, sha1, sha256

    /// The header or trailer that carries this checksum.
    var headerName: String { "x-amz-checksum-\(rawValue)" }

    init?(headerName: String) {
        let prefix = "x-amz-checksum-"
        guard headerName.hasPrefix(prefix), let a = ChecksumAlgorithm(rawValue: String(headerName.dropFirst(prefix.count))) else { return nil }
        self = a
    }

    func makeHasher() -> ChecksumHasher {
        switch self {
        case .crc32: return .crc32(CRC32())
        case .crc32c: return .crc32c(CRC32C())
        case .crc64nvme: return .crc64(CRC64NVME())
        case .sha1: return .sha1(Insecure.SHA1())
        case .sha256: return .sha256(SHA256())
        }
    }
}

/// A running checksum; ``base64`` is its value as S3 writes it.
enum ChecksumHasher {
    case crc32(CRC32)
    case crc32c(CRC32C)
    case crc64(CRC64NVME)
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

/// CRC-32C (Castagnoli), S3's `x-amz-checksum-crc32c`.
struct CRC32C {
    private var table = TableCRC32(table: TableCRC32.castagnoli)
    var value: UInt32 { table.value }
    mutating func update(_ bytes: UnsafeRawBufferPointer) { table.update(bytes) }
}

/// A reflected CRC-32 by table, slicing by 8 bytes: CRC-32C (Castagnoli), for which no library here has a fast
/// version, and any other reflected polynomial (tests check ``CRC32`` against it).
struct TableCRC32 {
    static let castagnoli = makeTables(0x82F6_3B78)

    private let table: [UInt32]
    private var crc: UInt32 = 0xFFFF_FFFF

    init(table: [UInt32]) { self.table = table }

    var value: UInt32 { ~crc }

    static func makeTables(_ poly: UInt32) -> [UInt32] {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ poly : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
        }
        return t
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var c = crc
        table.withUnsafeBufferPointer { t in
            var p = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
            var n = bytes.count
            guard var ptr = p else { return }
            while n >= 8 {
                let lo = UInt32(ptr[0]) | UInt32(ptr[1]) << 8 | UInt32(ptr[2]) << 16 | UInt32(ptr[3]) << 24
                let hi = UInt32(ptr[4]) | UInt32(ptr[5]) << 8 | UInt32(ptr[6]) << 16 | UInt32(ptr[7]) << 24
                let x = c ^ lo
                c = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int((x >> 8) & 0xFF)] ^ t[5 * 256 + Int((x >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int(x >> 24)] ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                ptr += 8
                n -= 8
            }
            while n > 0 {
                c = (c >> 8) ^ t[Int((c ^ UInt32(ptr[0])) & 0xFF)]
                ptr += 1
                n -= 1
            }
            p = ptr
        }
        crc = c
    }
}

/// CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5), as S3's `x-amz-checksum-crc64nvme`, slicing by 8 bytes.
struct CRC64NVME {
    private static let tables: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt64(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 { t[k * 256 + i] = (t[(k - 1) * 256 + i] >> 8) ^ t[Int(t[(k - 1) * 256 + i] & 0xFF)] }
        }
        return t
    }()

    private var crc: UInt64 = ~0

    var value: UInt64 { ~crc }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress else { return }
        var n = bytes.count
        var c = crc
        Self.tables.withUnsafeBufferPointer { t in
            while n >= 8 {
                let x = c ^ UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                c = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int((x >> 8) & 0xFF)] ^ t[5 * 256 + Int((x >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int((x >> 24) & 0xFF)] ^ t[3 * 256 + Int((x >> 32) & 0xFF)] ^ t[2 * 256 + Int((x >> 40) & 0xFF)]
                    ^ t[256 + Int((x >> 48) & 0xFF)] ^ t[Int(x >> 56)]
                p += 8
                n -= 8
            }
            while n > 0 {
                c = (c >> 8) ^ t[Int((c ^ UInt64(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n -= 1
            }
        }
        crc = c
    }
}
