import Foundation
import Testing

@testable import PFS

@Suite("File reader")
struct FileReaderTests {
    static let data = randomBytes(14 << 20, seed: 77)

    /// An engine holding ``data`` at `big` on master, with the file's chunks.
    func withBigFile(_ body: (PFSEngine, String, CommitRef, [ChunkRef]) async throws -> Void) async throws {
        try await withEngine("reader") { engine, dir in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            _ = try await put(engine, master, "big", Self.data)
            let entry = try #require(try await engine.inspectFile(master, path: "big").entry)
            try await body(engine, dir, master, try await ContentIndex.chunks(of: entry, source: engine.nodes))
        }
    }

    @Test("ranges of a many-chunk file read back exactly while several chunks are read ahead")
    func rangesAcrossChunks() async throws {
        try await withBigFile { engine, _, master, chunks in
            #expect(chunks.count >= 6, "want more chunks than the read-ahead: \(chunks.count)")
            let n = Self.data.count
            let first = Int(chunks[0].size)
            for (off, len) in [(0, n), (1, n - 1), (first - 1, 2), (first, Int(chunks[1].size)), (n / 3, n / 3), (n - 5, 5), (0, 1), (n, 0)] {
                let got = try await readAll(engine, master, "big", offset: UInt64(off), length: UInt64(len))
                #expect(Bool(got == Array(Self.data[off..<(off + len)])), "range \(off)+\(len)")
            }
        }
    }

    @Test("reads fill the caller's chunk type straight from the store, and a range's ends are slices of whole chunks")
    func readsIntoTheCallersStorage() async throws {
        try await withBigFile { engine, _, master, chunks in
            let entry = try #require(try await engine.inspectFile(master, path: "big").entry)
            let n = Self.data.count
            let first = Int(chunks[0].size)
            let sizes = Set(chunks.map { Int($0.size) })
            for (off, len) in [(0, n), (7, n - 7), (first - 1, 2), (n / 2, 10), (n, 0)] {
                var got: [UInt8] = []
                for try await piece in try await engine.reader(entry, offset: UInt64(off), length: UInt64(len), as: SharedChunk.self) {
                    #expect(sizes.contains(piece.storage.bytes.count), "a piece of \(piece.count) bytes was copied out of its chunk")
                    piece.withUnsafeBytes { got.append(contentsOf: $0) }
                }
                #expect(Bool(got == Array(Self.data[off..<(off + len)])), "range \(off)+\(len)")
            }
        }
    }

    @Test("a chunk that no longer matches its hash stops the read with an error, after the intact chunks before it")
    func corruptChunkMidFile() async throws {
        try await withBigFile { engine, dir, master, chunks in
            let bad = chunks[3]
            let hex = bad.digest.hex
            let path = dir + "/blobs/" + hex.prefix(2) + "/" + hex
            var bytes = try #require(FileManager.default.contents(atPath: path))
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))

            var got: [UInt8] = []
            let error = await #expect(throws: PFSError.self) {
                for try await piece in try await engine.getFile(master, path: "big") { got += piece }
            }
            #expect(error.map { "\($0)".contains("does not match its CRC-32") } == true)
            let before = chunks[..<3].reduce(0) { $0 + Int($1.size) }
            #expect(got.count == before)
            #expect(Bool(got == Array(Self.data[..<before])))
            let report = try await engine.checkIntegrity()
            #expect(report.problems.count == 1 && report.problems[0].contains(hex), "\(report.problems)")
        }
    }

    @Test("every chunk records the CRC-32 of its bytes; reads check it, fsck checks the SHA-256 as well")
    func chunksRecordTheirCRC() async throws {
        try await withBigFile { engine, dir, master, chunks in
            var offset = 0
            for c in chunks {
                let bytes = Array(Self.data[offset..<offset + Int(c.size)])
                #expect(c.crc32 == CRC32.of(bytes))
                #expect(c.digest == Digest.of(bytes))
                offset += Int(c.size)
            }
            // Bytes that match a recorded CRC but not the digest: only the full check sees it.
            var other = try await engine.loader.load(chunks[0])
            other[0] ^= 1
            let forged = ChunkRef(digest: chunks[0].digest, size: chunks[0].size, inMeta: false, crc32: CRC32.of(other))
            let hex = chunks[0].digest.hex
            try Data(other).write(to: URL(fileURLWithPath: dir + "/blobs/" + hex.prefix(2) + "/" + hex))
            #expect(try await engine.loader.load(forged) == other)
            await #expect(throws: PFSError.self) { try await engine.loader.load(forged, fullHash: true) }
            // A reference written before CRCs were recorded is checked against its SHA-256.
            let old = ChunkRef(digest: chunks[0].digest, size: chunks[0].size, inMeta: false, crc32: nil)
            let error = await #expect(throws: PFSError.self) { try await engine.loader.load(old) }
            #expect(error.map { "\($0)".contains("does not match its hash") } == true)
        }
    }
}

/// Chunk storage whose slices share the bytes they were filled into, as a transport's buffers do.
struct SharedChunk: FillableByteChunk {
    final class Storage: Sendable {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    let storage: Storage
    let range: Range<Int>

    init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes(fill)
        storage = Storage(bytes)
        range = 0..<count
    }

    private init(_ storage: Storage, _ range: Range<Int>) {
        self.storage = storage
        self.range = range
    }

    var count: Int { range.count }

    func slice(_ r: Range<Int>) -> SharedChunk {
        SharedChunk(storage, (range.lowerBound + r.lowerBound)..<(range.lowerBound + r.upperBound))
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}
