import Foundation
import Synchronization
import Testing

@testable import PFS

@Suite("File ingest")
struct FileIngestTests {
    @Test("a chunk that a body repeats is written once, and the file reads back whole")
    func repeatedChunksAreWrittenOnce() async throws {
        let dir = try makeTempDirectory("ingest-repeat")
        defer { removeTempDirectory(dir) }
        let blobs = CountingBlobStore(try LocalBlobStore(directory: dir + "/blobs"))
        let engine = PFSEngine(metadata: try SQLiteMetadataStore(path: dir + "/meta.db"), blobs: blobs)
        let repo = RepoID("r")
        try await engine.createRepo(repo)
        let master = CommitRef.branch(repo, "master")
        // 40 MiB of zeros (a sparse file's hole: ten identical largest chunks) between two random ends.
        let bytes = randomBytes(3 << 20, seed: 7) + [UInt8](repeating: 0, count: 40 << 20) + randomBytes(2 << 20, seed: 8)
        try await put(engine, master, "sparse.img", bytes)
        let puts = blobs.puts
        #expect(puts.values.allSatisfy { $0 == 1 }, "chunks written more than once: \(puts.values.filter { $0 > 1 })")
        #expect(puts.count < 20, "\(puts.count) distinct chunks for a body of 45 MiB with a 40 MiB hole")
        #expect(try await readAll(engine, master, "sparse.img") == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/blobs/tmp").isEmpty)
        // Again under another name: every chunk is there, nothing is written.
        try await put(engine, master, "copy.img", bytes)
        #expect(blobs.puts == puts)
    }
}

/// A local blob store that counts the puts of each digest.
private final class CountingBlobStore: BlobStore {
    let base: LocalBlobStore
    private let counts = Mutex<[Digest: Int]>([:])

    init(_ base: LocalBlobStore) { self.base = base }

    var puts: [Digest: Int] { counts.withLock { $0 } }

    func put<Bytes: BlobBytes>(_ digest: Digest, _ data: Bytes) async throws -> Bool {
        counts.withLock { $0[digest, default: 0] += 1 }
        return try await base.put(digest, data)
    }
    func touch(_ digest: Digest) async throws -> Bool { try await base.touch(digest) }
    func get<Bytes: FillableByteChunk>(_ digest: Digest, as: Bytes.Type) async throws -> Bytes? { try await base.get(digest, as: Bytes.self) }
    func makeDurable(_ digests: [Digest]) async throws { try await base.makeDurable(digests) }
    func discard(_ digests: [Digest]) async { await base.discard(digests) }
    func list() async throws -> [(digest: Digest, modified: Date, size: UInt64)] { try await base.list() }
    func delete(_ digest: Digest, unlessUsedAfter cutoff: Date) async throws -> Bool { try await base.delete(digest, unlessUsedAfter: cutoff) }
    func removeStaleTemporaries(olderThan cutoff: Date) async throws -> Int { try await base.removeStaleTemporaries(olderThan: cutoff) }
    func space() async throws -> StorageSpace? { try await base.space() }
}
