import Foundation
import Testing

@testable import PFS

@Suite("Local blob store")
struct LocalBlobStoreTests {
    /// Sizes from one byte to the largest chunk, on and off page boundaries: buffered, direct (O_DIRECT), and a
    /// direct prefix with a buffered tail.
    static let sizes = [
        1, 4096, LocalBlobStore.directMinimum - 1, LocalBlobStore.directMinimum, (1 << 20) + 123, 3 * (1 << 20) + 4095, 4 << 20, (1 << 20) * 5 / 2,
        ChunkSegments.segmentSize + 5000,
    ]

    private func roundTrip(in directory: String, directWrites: Bool = true) async throws {
        let store = try LocalBlobStore(directory: directory, directWrites: directWrites)
        var written: [(Digest, [UInt8])] = []
        for (i, n) in Self.sizes.enumerated() {
            let data = randomBytes(n, seed: UInt64(100 + i))
            let d = Digest.of(data)
            try await store.put(d, data)
            written.append((d, data))
            // The same sizes in aligned segments, which direct writes send without a copy.
            let other = randomBytes(n, seed: UInt64(1000 + i))
            let segments = ChunkSegments()
            other.withUnsafeBytes { segments.append($0) }
            let e = Digest.of(other)
            try await store.put(e, segments)
            written.append((e, other))
        }
        try await store.makeDurable(written.map(\.0))
        for (d, data) in written {
            let back = try #require(try await store.get(d))
            #expect(back.count == data.count)
            #expect(Bool(back == data), "blob of \(data.count) bytes reads back changed")
        }
        let listed = try await store.list()
        #expect(Set(listed.map(\.digest)) == Set(written.map(\.0)))
        for (d, data) in written { #expect(listed.first { $0.digest == d }?.size == UInt64(data.count)) }
    }

    @Test("the store's room is that of the volume holding its directory")
    func spaceIsTheVolumes() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        let space = try #require(try await LocalBlobStore(directory: dir).space())
        let volume = try FileManager.default.attributesOfFileSystem(forPath: dir)
        #expect(space.totalBytes == (volume[.systemSize] as? NSNumber)?.uint64Value)
        #expect(space.availableBytes <= space.freeBytes && space.freeBytes <= space.totalBytes && space.totalBytes > 0)
        #expect(throws: PFSError.self) { try StorageSpace.ofVolume(at: dir + "/missing") }
    }

    @Test("blobs of every size read back byte-exact on a disk file system")
    func diskRoundTrip() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        try await roundTrip(in: dir)
    }

    @Test("blobs of every size read back byte-exact when written through the page cache (file systems without O_DIRECT)")
    func bufferedRoundTrip() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        try await roundTrip(in: dir, directWrites: false)
    }

    @Test("blobs read back byte-exact on tmpfs too (which refuses O_DIRECT on older kernels: then written buffered)")
    func tmpfsRoundTrip() async throws {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        try #require(mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().prefix(2) == ["/dev/shm", "tmpfs"] }, "/dev/shm is not a tmpfs here")
        let dir = "/dev/shm/pachs3-tests-blobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { removeTempDirectory(dir) }
        try await roundTrip(in: dir)
    }

    @Test("a batch of more blobs than I/O threads is made durable whole: every blob under its name, nothing left in tmp/")
    func largeBatchIsDurable() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        let store = try LocalBlobStore(directory: dir)
        let blobs = (0..<37).map { randomBytes(64 * 1024 + $0 * 4099, seed: UInt64(500 + $0)) }
        for b in blobs { #expect(try await store.put(Digest.of(b), b)) }
        // A digest staged twice is made durable twice in the same batch; one neither staged nor stored fails it.
        #expect(try await store.put(Digest.of(blobs[3]), blobs[3]))
        await #expect(throws: PFSError.self) { try await store.makeDurable([Digest.of([1, 2, 3])]) }
        try await store.makeDurable(blobs.map { Digest.of($0) } + [Digest.of(blobs[3])])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
        // Stored now: a put stages nothing, and making it durable again is fine.
        #expect(try await !store.put(Digest.of(blobs[0]), blobs[0]))
        try await store.makeDurable([Digest.of(blobs[0])])
        for b in blobs {
            let hex = Digest.of(b).hex
            #expect(FileManager.default.fileExists(atPath: dir + "/" + hex.prefix(2) + "/" + hex))
            #expect(Bool(try await store.get(Digest.of(b)) == b))
        }
        #expect(try await store.list().count == blobs.count)
    }

    /// Two writers staging the same chunk at once (an abandoned streamed put of a file and the commit of its staged
    /// copy): one's discard took the other's copy as well, and the commit referenced a blob that was never stored.
    @Test("writers of the same blob each make durable or discard only their own copy")
    func sameBlobTwoWriters() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        let store = try LocalBlobStore(directory: dir)
        let data = randomBytes(300_000, seed: 9)
        let d = Digest.of(data)
        #expect(try await store.put(d, data))  // the writer that will give up
        #expect(try await store.put(d, data))  // the writer that will commit
        await store.discard([d])
        try await store.makeDurable([d])
        #expect(Bool(try await store.get(d) == data))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)

        let other = randomBytes(300_001, seed: 10)
        let e = Digest.of(other)
        #expect(try await store.put(e, other))
        #expect(try await store.put(e, other))
        try await store.makeDurable([e])
        await store.discard([e])
        #expect(Bool(try await store.get(e) == other))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
    }

    /// A blob another writer has renamed into place is not durable until that writer has synced its directory; a
    /// commit that reused it before then could outlive it in a crash.
    @Test("a writer that finds a blob another writer is still making durable syncs its directory before counting on it")
    func foundBlobIsSyncedFirst() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        let store = try LocalBlobStore(directory: dir)
        let data = randomBytes(200_000, seed: 11), small = randomBytes(100, seed: 12)
        let (d, s) = (Digest.of(data), Digest.of(small))
        #expect(try await store.put(d, data))
        #expect(try await store.put(d, data))  // a second writer's copy, staged before the first one's rename
        #expect(try await store.put(s, small))
        let (renamed, renamedSignal) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        store.afterRenames.withLock {
            $0 = {
                renamedSignal.yield()
                for await _ in release { break }
            }
        }
        let first = Task { try await store.makeDurable([d, s]) }
        for await _ in renamed { break }
        store.afterRenames.withLock { $0 = nil }
        #expect(store.borrowedSyncs.load(ordering: .relaxed) == 0)
        #expect(try await store.touch(d))
        #expect(store.borrowedSyncs.load(ordering: .relaxed) == 1)
        #expect(try await !store.put(s, small))
        #expect(store.borrowedSyncs.load(ordering: .relaxed) == 2)
        // The second writer's copy is dropped when it makes it durable, and the directory synced.
        try await store.makeDurable([d])
        #expect(store.borrowedSyncs.load(ordering: .relaxed) == 3)
        releaseSignal.yield()
        try await first.value
        #expect(try await store.touch(d))
        #expect(try await !store.put(s, small))
        #expect(store.borrowedSyncs.load(ordering: .relaxed) == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
        #expect(Bool(try await store.get(d) == data))
    }

    @Test("an interrupted write leaves nothing visible: discarded blobs are gone, others unaffected")
    func discardLeavesNothing() async throws {
        let dir = try makeTempDirectory("blobs")
        defer { removeTempDirectory(dir) }
        let store = try LocalBlobStore(directory: dir)
        let kept = randomBytes(2 << 20, seed: 7), dropped = randomBytes((2 << 20) + 17, seed: 8)
        try await store.put(Digest.of(kept), kept)
        try await store.put(Digest.of(dropped), dropped)
        await store.discard([Digest.of(dropped)])
        try await store.makeDurable([Digest.of(kept)])
        #expect(try await store.get(Digest.of(dropped)) == nil)
        #expect(Bool(try await store.get(Digest.of(kept)) == kept))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
    }

    @Test("chunk segments hold exactly the bytes appended, in pieces of aligned memory")
    func chunkSegments() {
        let data = randomBytes(3 * ChunkSegments.segmentSize + 777, seed: 5)
        let segments = ChunkSegments()
        var at = 0
        // Appends that end inside a segment, fill one exactly, and span several.
        for n in [1, ChunkSegments.segmentSize - 1, 10, 2 * ChunkSegments.segmentSize, data.count] {
            let end = min(at + n, data.count)
            data[at..<end].withUnsafeBytes { segments.append($0) }
            at = end
        }
        #expect(segments.count == data.count)
        var back: [UInt8] = []
        var pieces = 0
        segments.forEachPiece { piece in
            #expect(Int(bitPattern: piece.baseAddress) % ChunkSegments.alignment == 0)
            back.append(contentsOf: piece)
            pieces += 1
        }
        #expect(pieces == 4)
        #expect(back == data)
    }
}
