import Foundation
import Testing

@testable import PFS

@Suite("x-amz-checksum algorithms")
struct ChecksumHasherTests {
    private static func digest(_ algorithm: ContentChecksum.Algorithm, _ bytes: [UInt8], pieces: [Int] = []) -> [UInt8] {
        var h = algorithm.makeHasher()
        var at = 0
        for n in pieces + [bytes.count] where at < bytes.count {
            let end = min(bytes.count, at + n)
            bytes[at..<end].withUnsafeBytes { h.update($0) }
            at = end
        }
        return h.digest
    }

    private static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("the standard check value of every algorithm (the digest of \"123456789\")")
    func checkValues() {
        let input = Array("123456789".utf8)
        #expect(Self.hex(Self.digest(.crc32, input)) == "cbf43926")
        #expect(Self.hex(Self.digest(.crc32c, input)) == "e3069283")
        #expect(Self.hex(Self.digest(.crc64nvme, input)) == "ae8b14860a799888")
        #expect(Self.hex(Self.digest(.sha1, input)) == "f7c3bc1d808e04732adf679965ccc34ca7ae3441")
        #expect(Self.hex(Self.digest(.sha256, input)) == "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225")
        #expect(Self.digest(.crc32, []) == [0, 0, 0, 0])
    }

    @Test("a body fed in uneven pieces has the digest of the whole, and the CRCs agree with their definitions")
    func piecesAndReference() {
        var rng = SystemRandomNumberGenerator()
        let body = (0..<(3 << 20) + 77).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let pieces = [1, 7, 8, 9, 4095, 65_536, 1 << 20, 3]
        for a in ContentChecksum.Algorithm.allCases {
            #expect(Self.digest(a, body, pieces: pieces) == Self.digest(a, body), "\(a)")
        }
        var reference = SlicedCRC<UInt32>(tables: SlicedCRC<UInt32>.makeTables(0xEDB8_8320))
        body.withUnsafeBytes { reference.update($0) }
        #expect(Self.digest(.crc32, body) == withUnsafeBytes(of: reference.value.bigEndian) { Array($0) })
        // CRC-64/NVME bit by bit, as its definition reads.
        var crc64: UInt64 = ~0
        for b in body.prefix(100_003) {
            crc64 ^= UInt64(b)
            for _ in 0..<8 { crc64 = crc64 & 1 != 0 ? (crc64 >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : crc64 >> 1 }
        }
        #expect(Self.digest(.crc64nvme, Array(body.prefix(100_003)), pieces: [3, 8, 13]) == withUnsafeBytes(of: (~crc64).bigEndian) { Array($0) })
    }

    @Test("CRCs of consecutive pieces combine into the CRC of the whole; the composite is the checksum of the checksums")
    func combineAndComposite() throws {
        var rng = SystemRandomNumberGenerator()
        let body = (0..<(1 << 20) + 4099).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for a in [ContentChecksum.Algorithm.crc32, .crc32c, .crc64nvme] {
            // Uneven pieces, an empty one and a one-byte one among them.
            for cuts in [[0, body.count], [0, 1, body.count], [0, 5 << 10, 5 << 10, 777_777, body.count - 1, body.count]] {
                let pieces = zip(cuts, cuts.dropFirst()).map { Array(body[$0..<$1]) }
                let sums = pieces.map { (checksum: ContentChecksum(a, value: Self.digest(a, $0))!, size: UInt64($0.count)) }
                #expect(ContentChecksum.combined(sums) == ContentChecksum(a, value: Self.digest(a, body)), "\(a) \(cuts)")
            }
        }
        let shas = [Array("a".utf8), Array("b".utf8)].map { ContentChecksum(.sha256, value: Self.digest(.sha256, $0))! }
        #expect(ContentChecksum.combined(shas.map { (checksum: $0, size: 1) }) == nil)
        let composite = try #require(ContentChecksum.composite(shas))
        #expect(composite.parts == 2 && composite.value == Self.digest(.sha256, shas[0].value + shas[1].value))
        #expect(ContentChecksum.composite([shas[0], ContentChecksum(.crc32, value: [0, 0, 0, 0])!]) == nil)
    }
}
