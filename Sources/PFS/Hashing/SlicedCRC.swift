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
