import Foundation
import PFSTestSupport
import Testing

@testable import PFS

private func chunkSizes(_ cuts: [Int]) -> [Int] {
    var prev = 0
    return cuts.map { c in
        defer { prev = c }
        return c - prev
    }
}

/// Each chunk identified by its content.
private func chunkDigests(_ data: [UInt8], _ cuts: [Int]) -> [Digest] {
    var prev = 0
    return cuts.map { c in
        defer { prev = c }
        return Digest.of(Array(data[prev..<c]))
    }
}

@Suite("Chunker")
struct ChunkerTests {
    static let data20MB = randomBytes(20 * 1024 * 1024, seed: 2024)

    @Test("chunk sizes stay within [minSize, maxSize] except the last")
    func sizeBounds() {
        let cuts = chunkCutPoints(Self.data20MB, pieces: [1 << 20])
        let sizes = chunkSizes(cuts)
        #expect(sizes.reduce(0, +) == Self.data20MB.count)
        #expect(sizes.count >= 8 && sizes.count <= 80, "about one chunk per MiB on average, got \(sizes.count)")
        for s in sizes.dropLast() {
            #expect(s >= Chunker.minSize && s <= Chunker.maxSize, "chunk of \(s) bytes")
        }
        #expect(sizes.last! >= 1 && sizes.last! <= Chunker.maxSize)
        // Sizes are content-defined, not fixed.
        #expect(Set(sizes).count > sizes.count / 2)

        // Data without content-defined cut points is cut at maxSize.
        let zeros = [UInt8](repeating: 0, count: 10 * 1024 * 1024)
        let zs = chunkSizes(chunkCutPoints(zeros, pieces: [1 << 20]))
        for s in zs.dropLast() { #expect(s >= Chunker.minSize && s <= Chunker.maxSize) }
        #expect(zs.dropLast().allSatisfy { $0 == zs[0] }, "uniform data gives uniform chunks: \(zs)")

        // Small inputs are one chunk.
        #expect(chunkCutPoints(Array(Self.data20MB[..<1000]), pieces: [100]) == [1000])
        #expect(chunkCutPoints(Array(Self.data20MB[..<Chunker.minSize]), pieces: [4096]) == [Chunker.minSize])
    }

    @Test("cut points do not depend on how the input is split into pieces")
    func pieceIndependence() {
        let reference = chunkCutPoints(Self.data20MB, pieces: [Self.data20MB.count])
        #expect(reference.count > 5)
        for pieces in [[4096], [65_536], [1_000_003], [7, 300_000, 13, 1 << 20, 262_143, 1]] {
            #expect(chunkCutPoints(Self.data20MB, pieces: pieces) == reference, "pieces \(pieces)")
        }
        // Random piece sizes.
        var rng = SplitMix64(seed: 5)
        let random = (0..<200).map { _ in 1 + Int(rng.next() % 200_000) }
        #expect(chunkCutPoints(Self.data20MB, pieces: random) == reference, "random pieces")
        // Byte by byte, over a prefix.
        let prefix = Array(Self.data20MB[..<(3 * 1024 * 1024)])
        let whole = chunkCutPoints(prefix, pieces: [prefix.count])
        #expect(whole.count >= 2)
        #expect(chunkCutPoints(prefix, pieces: [1]) == whole, "one byte at a time")
    }

    @Test("an insertion near the start changes only the first chunks")
    func insertionLocality() {
        let original = Self.data20MB
        let before = chunkDigests(original, chunkCutPoints(original, pieces: [1 << 20]))
        for (offset, length) in [(0, 1), (1_000, 100), (300_000, 5_000)] {
            var edited = original
            edited.insert(contentsOf: randomBytes(length, seed: UInt64(offset + length)), at: offset)
            let after = chunkDigests(edited, chunkCutPoints(edited, pieces: [1 << 20]))
            // The two chunk lists share everything but one or two chunks at the start.
            var common = 0
            while common < min(before.count, after.count), before[before.count - 1 - common] == after[after.count - 1 - common] { common += 1 }
            #expect(before.count - common <= 2 && after.count - common <= 2, "insert \(length) at \(offset): \(before.count - common) old and \(after.count - common) new chunks differ")
            #expect(common >= before.count - 2)
            #expect(before[0] != after[0], "the first chunk contains the edit")
        }
        // An edit in the middle leaves the chunks before it untouched and resynchronizes after it.
        var middle = original
        middle.replaceSubrange(10_000_000..<10_000_010, with: [UInt8](repeating: 0xAB, count: 10))
        let after = chunkDigests(middle, chunkCutPoints(middle, pieces: [1 << 20]))
        let changed = Set(after).subtracting(before)
        #expect(changed.count >= 1 && changed.count <= 2, "\(changed.count) chunks changed by an edit in the middle")
        #expect(after.count - before.count <= 1 && before.count - after.count <= 1)
    }

    @Test("cut points are those of the byte-by-byte definition, so stored chunks keep deduplicating across versions")
    func matchesDefinition() {
        // FastCDC with normalized chunking, one byte at a time: no hashing below minSize, the harder mask while
        // the chunk is shorter than averageSize, the easier one after, a forced cut at maxSize.
        func definition(_ data: [UInt8]) -> [Int] {
            let small: UInt64 = ~(UInt64.max >> 22), large: UInt64 = ~(UInt64.max >> 18)
            var cuts: [Int] = []
            var h: UInt64 = 0
            var len = 0
            for (i, b) in data.enumerated() {
                len += 1
                if len <= Chunker.minSize { continue }
                h = (h << 1) &+ Chunker.gear[Int(b)]
                if h & (len < Chunker.averageSize ? small : large) == 0 || len >= Chunker.maxSize {
                    cuts.append(i + 1)
                    h = 0
                    len = 0
                }
            }
            if len > 0 { cuts.append(data.count) }
            return cuts
        }
        // Random data cuts by content; a long run of one byte value reaches the maximum size.
        var data = Array(Self.data20MB[..<(12 << 20)])
        data.replaceSubrange((3 << 20)..<(9 << 20), with: [UInt8](repeating: 7, count: 6 << 20))
        let expected = definition(data)
        #expect(expected.count > 6)
        #expect(chunkSizes(expected).contains(Chunker.maxSize))
        #expect(chunkCutPoints(data, pieces: [1 << 20]) == expected)
        #expect(chunkCutPoints(data, pieces: [Chunker.averageSize - 1, 3, Chunker.maxSize + 5, 77]) == expected)
    }
}
