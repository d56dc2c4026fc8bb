import Foundation
import Testing

@testable import PFS

/// A metadata store that runs a hook right after each sweep (the mark-and-delete of nodes), before the
/// garbage collector goes on to the blobs: a deterministic stand-in for a writer that commits at that moment.
private final class HookedMetadataStore: MetadataStore, @unchecked Sendable {
    let base: SQLiteMetadataStore
    private let lock = NSLock()
    private var hook: (@Sendable () async -> Void)?

    init(path: String) throws { base = try SQLiteMetadataStore(path: path) }

    func setAfterSweep(_ h: @escaping @Sendable () async -> Void) {
        lock.lock()
        hook = h
        lock.unlock()
    }

    private func takeHook() -> (@Sendable () async -> Void)? {
        lock.lock()
        defer { lock.unlock() }
        let h = hook
        hook = nil
        return h
    }

    func sweep(mark: @Sendable (MetadataSnapshot) throws -> Set<Digest>) async throws -> (live: Set<Digest>, nodes: Int, chunks: Int) {
        let r = try await base.sweep(mark: mark)
        if let h = takeHook() { await h() }
        return r
    }

    func createProject(_ info: ProjectInfo) async throws { try await base.createProject(info) }
    func project(_ name: String) async throws -> ProjectInfo? { try await base.project(name) }
    func listProjects() async throws -> [ProjectInfo] { try await base.listProjects() }
    func deleteProject(_ name: String) async throws { try await base.deleteProject(name) }
    func createRepo(_ repo: RepoID, description: String, created: Date) async throws {
        try await base.createRepo(repo, description: description, created: created)
    }
    func repo(_ repo: RepoID) async throws -> RepoInfo? { try await base.repo(repo) }
    func listRepos(project: String?) async throws -> [RepoInfo] { try await base.listRepos(project: project) }
    func deleteRepo(_ repo: RepoID) async throws { try await base.deleteRepo(repo) }
    func branch(_ repo: RepoID, _ name: String) async throws -> BranchInfo? { try await base.branch(repo, name) }
    func listBranches(_ repo: RepoID) async throws -> [BranchInfo] { try await base.listBranches(repo) }
    func setBranch(_ repo: RepoID, _ name: String, head: CommitID?, move: Bool) async throws {
        try await base.setBranch(repo, name, head: head, move: move)
    }
    func deleteBranch(_ repo: RepoID, _ name: String, deletingCommits: [CommitID]) async throws {
        try await base.deleteBranch(repo, name, deletingCommits: deletingCommits)
    }
    func commit(_ repo: RepoID, _ id: CommitID) async throws -> CommitRecord? { try await base.commit(repo, id) }
    func listCommits(_ repo: RepoID, limit: Int) async throws -> [CommitRecord] { try await base.listCommits(repo, limit: limit) }
    func allCommits() async throws -> [CommitRecord] { try await base.allCommits() }
    func createUpload(_ upload: UploadInfo) async throws { try await base.createUpload(upload) }
    func upload(_ id: String) async throws -> UploadInfo? { try await base.upload(id) }
    func listUploads(_ repo: RepoID?) async throws -> [UploadInfo] { try await base.listUploads(repo) }
    func putPart(_ part: PartRecord, smallChunks: [Digest: [UInt8]]) async throws { try await base.putPart(part, smallChunks: smallChunks) }
    func parts(_ uploadID: String) async throws -> [PartRecord] { try await base.parts(uploadID) }
    func deleteUpload(_ id: String) async throws -> Bool { try await base.deleteUpload(id) }
    func authActive() async throws -> Bool { try await base.authActive() }
    func setAuth(active: Bool, rootTokenHash: [UInt8]?) async throws { try await base.setAuth(active: active, rootTokenHash: rootTokenHash) }
    func putToken(hash: [UInt8], subject: String, created: Date) async throws {
        try await base.putToken(hash: hash, subject: subject, created: created)
    }
    func tokenSubject(hash: [UInt8]) async throws -> String? { try await base.tokenSubject(hash: hash) }
    func node(_ digest: Digest) async throws -> [UInt8]? { try await base.node(digest) }
    func chunk(_ digest: Digest) async throws -> [UInt8]? { try await base.chunk(digest) }
    func storedObjects() async throws -> (nodes: [Digest], chunks: [Digest]) { try await base.storedObjects() }
    func apply(_ transaction: MetadataTransaction) async throws { try await base.apply(transaction) }
}

/// A blob store whose timestamps lag behind the engine's clock, as a remote store's clock or a file
/// system's coarse timestamps may: the GC must protect in-process writes without relying on them.
private final class LaggingBlobStore: BlobStore {
    let base: LocalBlobStore
    let lag: TimeInterval

    init(_ base: LocalBlobStore, lag: TimeInterval) {
        self.base = base
        self.lag = lag
    }

    func list() async throws -> [(digest: Digest, modified: Date, size: UInt64)] {
        try await base.list().map { ($0.digest, $0.modified.addingTimeInterval(-lag), $0.size) }
    }
    func delete(_ digest: Digest, unlessUsedAfter cutoff: Date) async throws -> Bool {
        try await base.delete(digest, unlessUsedAfter: cutoff.addingTimeInterval(lag))
    }
    func put<Bytes: BlobBytes>(_ digest: Digest, _ data: Bytes) async throws -> Bool { try await base.put(digest, data) }
    func touch(_ digest: Digest) async throws -> Bool { try await base.touch(digest) }
    func get<Bytes: FillableByteChunk>(_ digest: Digest, as: Bytes.Type) async throws -> Bytes? { try await base.get(digest, as: Bytes.self) }
    func makeDurable(_ digests: [Digest]) async throws { try await base.makeDurable(digests) }
    func discard(_ digests: [Digest]) async { await base.discard(digests) }
    func removeStaleTemporaries(olderThan cutoff: Date) async throws -> Int { try await base.removeStaleTemporaries(olderThan: cutoff) }
    func space() async throws -> StorageSpace? { try await base.space() }
}

/// A value set by one task and read by another.
private final class Box<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    func set(_ v: T) {
        lock.lock()
        stored = v
        lock.unlock()
    }
    var value: T? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// A one-shot signal between tasks.
private final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var opened = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        lock.lock()
        opened = true
        let w = waiters
        waiters = []
        lock.unlock()
        for c in w { c.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if opened {
                lock.unlock()
                c.resume()
            } else {
                waiters.append(c)
                lock.unlock()
            }
        }
    }
}

/// A body that yields `first`, signals `consumed` when asked for more (the first piece has been stored),
/// then waits for `release` before yielding `rest` and ending.
private struct GatedBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let first: [UInt8]
    let rest: [UInt8]
    let consumed: Gate
    let release: Gate

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: GatedBody
        var step = 0
        mutating func next() async throws -> [UInt8]? {
            step += 1
            switch step {
            case 1: return body.first
            case 2:
                body.consumed.open()
                await body.release.wait()
                return body.rest
            default: return nil
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

private func chunkRefs(_ engine: PFSEngine, _ ref: CommitRef, _ path: String) async throws -> [ChunkRef] {
    let e = try #require(try await engine.inspectFile(ref, path: path).entry)
    return try await ContentIndex.chunks(of: e, source: engine.nodes)
}

/// Reads back every file of every commit of every repo, comparing with `expected` where given.
private func readEverything(_ engine: PFSEngine) async throws -> Int {
    var files = 0
    for r in try await engine.listRepos() {
        for c in try await engine.listCommits(r.repo) {
            for f in try await engine.walkFiles(.commit(r.repo, c.id)) {
                let bytes = try await readAll(engine, .commit(r.repo, c.id), f.path)
                #expect(UInt64(bytes.count) == f.size, "\(r.repo)@\(c.id):\(f.path)")
                files += 1
            }
        }
    }
    return files
}

@Suite("Garbage collection")
struct GCTests {
    @Test("unreachable nodes, small chunks and blobs are removed; everything reachable stays")
    func collectsGarbage() async throws {
        try await withEngine("gc") { engine, _ in
            let repo = RepoID("keep")
            let doomed = RepoID("doomed")
            try await engine.createRepo(repo)
            try await engine.createRepo(doomed)
            let master = CommitRef.branch(repo, "master")
            var expected: [String: [UInt8]] = [:]
            for i in 0..<6 {
                let b = randomBytes(i % 2 == 0 ? 1_000 + i : 400_000 + i * 1000, seed: UInt64(i))
                try await put(engine, master, "data/\(i)", b)
                expected["data/\(i)"] = b
            }
            let shared = randomBytes(350_000, seed: 77)
            try await put(engine, master, "shared", shared)
            expected["shared"] = shared

            // A side branch with unique data, then deleted: its commits and their data become garbage.
            try await engine.createBranch(repo, "tmp", head: master)
            let tmp = CommitRef.branch(repo, "tmp")
            try await put(engine, tmp, "tmp/small", randomBytes(2_000, seed: 100))
            try await put(engine, tmp, "tmp/large", randomBytes(500_000, seed: 101))
            try await put(engine, tmp, "tmp/shared", shared)
            let tmpHead = try await engine.inspectCommit(tmp)
            let tmpSmall = try await chunkRefs(engine, tmp, "tmp/small")
            let tmpLarge = try await chunkRefs(engine, tmp, "tmp/large")
            let sharedRefs = try await chunkRefs(engine, master, "shared")
            let tmpRoot = try #require(try await engine.resolve(tmp).root)
            try await engine.deleteBranch(repo, "tmp")

            // A whole repo with unique data, deleted.
            for i in 0..<4 { try await put(engine, .branch(doomed, "master"), "d/\(i)", randomBytes(i == 0 ? 600_000 : 3_000, seed: UInt64(200 + i))) }
            let doomedLarge = try await chunkRefs(engine, .branch(doomed, "master"), "d/0")
            let doomedRoot = try #require(try await engine.resolve(.branch(doomed, "master")).root)
            try await engine.deleteRepo(doomed)

            // Deleting files on master keeps them in older commits: not garbage.
            let beforeDelete = try await engine.inspectCommit(master)
            try await engine.deleteFiles(master, paths: ["data/0", "data/1"])
            expected["data/0"] = nil
            expected["data/1"] = nil

            let report = try await engine.garbageCollect(grace: 0)
            #expect(report.nodesDeleted > 0, "\(report)")
            #expect(report.smallChunksDeleted > 0, "\(report)")
            #expect(report.blobsDeleted >= 2, "\(report)")
            #expect(report.blobsKept > 0, "\(report)")

            // The garbage is gone from the stores.
            #expect(try await engine.metadata.node(tmpRoot) == nil)
            #expect(try await engine.metadata.node(doomedRoot) == nil)
            for r in tmpSmall {
                #expect(r.inMeta)
                #expect(try await engine.metadata.chunk(r.digest) == nil)
            }
            for r in tmpLarge + doomedLarge {
                #expect(!r.inMeta)
                #expect(try await engine.blobs.get(r.digest) == nil)
            }
            // Data also referenced by a live commit stays.
            for r in sharedRefs { #expect(try await engine.blobs.get(r.digest) != nil) }
            await expectPFSError(.notFound, "deleted branch commit") { try await engine.inspectCommit(.commit(repo, tmpHead.id)) }

            // A second collection finds nothing more.
            let again = try await engine.garbageCollect(grace: 0)
            #expect(again.nodesDeleted == 0 && again.smallChunksDeleted == 0 && again.blobsDeleted == 0, "\(again)")
            #expect(again.blobsKept == report.blobsKept)

            // Everything reachable reads back byte-exact: HEAD, and the commit before the delete.
            for (p, b) in expected {
                let same = try await readAll(engine, master, p) == b
                #expect(same, "\(p) at HEAD")
            }
            for i in 0..<2 {
                let same = try await readAll(engine, .commit(repo, beforeDelete.id), "data/\(i)") == randomBytes(i % 2 == 0 ? 1_000 + i : 400_000 + i * 1000, seed: UInt64(i))
                #expect(same, "data/\(i) before the delete")
            }
            #expect(try await readEverything(engine) > 20)
            let integrity = try await engine.checkIntegrity()
            #expect(integrity.problems.isEmpty, "\(integrity.problems)")
            #expect(integrity.commits == 8)
        }
    }

    @Test("the report says how many bytes were freed")
    func reportsBytesFreed() async throws {
        try await withEngine("gc-bytes") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            try await put(engine, .branch(repo, "master"), "big", randomBytes(500_000, seed: 1))
            try await engine.deleteRepo(repo)
            let report = try await engine.garbageCollect(grace: 0)
            #expect(report.blobsDeleted >= 1)
            #expect(report.bytesFreed >= 500_000)
        }
    }

    @Test("a write that commits while the collector sweeps keeps its chunks")
    func writerCommitsDuringSweep() async throws {
        let dir = try makeTempDirectory("gc-race")
        defer { removeTempDirectory(dir) }
        let meta = try HookedMetadataStore(path: dir + "/meta.db")
        let engine = PFSEngine(metadata: meta, blobs: try LocalBlobStore(directory: dir + "/blobs"))
        let repo = RepoID("r")
        try await engine.createRepo(repo)
        try await put(engine, .branch(repo, "master"), "old", [1, 2, 3])

        // 5 MB: more than the largest chunk, so at least one chunk is stored before the body ends.
        let first = randomBytes(5 * 1024 * 1024, seed: 31)
        let rest = randomBytes(1_000, seed: 32)
        let consumed = Gate()
        let release = Gate()
        let writer = Task {
            try await engine.putFile(.branch(repo, "master"), path: "big", from: GatedBody(first: first, rest: rest, consumed: consumed, release: release))
        }
        await consumed.wait()
        // The writer has stored chunks and waits. The collector starts; right after its sweep the writer
        // finishes and commits, before the collector looks at the blobs.
        meta.setAfterSweep {
            release.open()
            _ = try? await writer.value
        }
        _ = try await engine.garbageCollect(grace: 0)
        let result = try await writer.value
        let same = try await readAll(engine, .commit(repo, result.commit), "big") == first + rest
        #expect(same, "the committed file reads back")
        let integrity = try await engine.checkIntegrity()
        #expect(integrity.problems.isEmpty, "\(integrity.problems)")
    }

    @Test("a whole write made while the collector runs is kept, whatever the blob timestamps say")
    func writeDuringCollectionWithLaggingTimestamps() async throws {
        let dir = try makeTempDirectory("gc-lag")
        defer { removeTempDirectory(dir) }
        let meta = try HookedMetadataStore(path: dir + "/meta.db")
        let engine = PFSEngine(metadata: meta, blobs: LaggingBlobStore(try LocalBlobStore(directory: dir + "/blobs"), lag: 60))
        let repo = RepoID("r")
        try await engine.createRepo(repo)
        let master = CommitRef.branch(repo, "master")
        try await put(engine, master, "old", randomBytes(300_000, seed: 40))
        // Garbage, so the collector has something to delete.
        try await engine.createBranch(repo, "tmp", head: master)
        try await put(engine, .branch(repo, "tmp"), "x", randomBytes(300_000, seed: 41))
        try await engine.deleteBranch(repo, "tmp")

        // The write starts after the collector did and commits after its sweep, before it lists the blobs.
        let content = randomBytes(700_000, seed: 42)
        let outcome = Box<String>()
        meta.setAfterSweep {
            do {
                let r = try await put(engine, master, "new", content)
                outcome.set("committed \(r.commit)")
            } catch {
                outcome.set("failed: \(error)")
            }
        }
        let report = try await engine.garbageCollect(grace: 0)
        #expect(outcome.value?.hasPrefix("committed") == true, "\(outcome.value ?? "the hook did not run")")
        #expect(report.blobsDeleted >= 1, "the garbage blob is collected: \(report)")
        do {
            let same = try await readAll(engine, master, "new") == content
            #expect(same)
        } catch {
            Issue.record("the file written during the collection does not read back: \(error)")
        }
        #expect(try await readAll(engine, master, "old") == randomBytes(300_000, seed: 40))
        let integrity = try await engine.checkIntegrity()
        #expect(integrity.problems.isEmpty, "\(integrity.problems)")
    }

    @Test("collection running concurrently with a writer of large files loses nothing")
    func concurrentWithWriter() async throws {
        try await withEngine("gc-conc") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            try await put(engine, master, "seed", [0])
            let done = Flag()
            let firstCollection = Gate()
            let files = 10
            func content(_ i: Int) -> [UInt8] { randomBytes(600_000 + i * 10_007, seed: UInt64(5000 + i)) }
            let (written, gcRuns) = try await withThrowingTaskGroup(of: ([String: CommitID], Int).self) { group in
                group.addTask {
                    defer { done.set() }
                    var out: [String: CommitID] = [:]
                    for i in 0..<files {
                        out["f\(i)"] = try await put(engine, master, "f\(i)", content(i)).commit
                        // At least one whole collection runs in the middle of the writes.
                        if i == 0 { await firstCollection.wait() }
                        // Garbage made while the collector runs: a branch with its own data, deleted again.
                        if i % 3 == 0 {
                            try await engine.createBranch(repo, "scratch\(i)", head: master)
                            try await put(engine, .branch(repo, "scratch\(i)"), "x", randomBytes(300_000, seed: UInt64(9000 + i)))
                            try await engine.deleteBranch(repo, "scratch\(i)")
                        }
                    }
                    return (out, 0)
                }
                group.addTask {
                    var runs = 0
                    repeat {
                        _ = try await engine.garbageCollect(grace: 0)
                        runs += 1
                        firstCollection.open()
                    } while !done.isSet
                    return ([:], runs)
                }
                var written: [String: CommitID] = [:]
                var runs = 0
                for try await (w, r) in group {
                    written.merge(w) { a, _ in a }
                    runs += r
                }
                return (written, runs)
            }
            #expect(written.count == files)
            // Every committed file reads back byte-exact, in the commit that wrote it and at HEAD.
            for i in 0..<files {
                let c = try #require(written["f\(i)"])
                do {
                    let atCommit = try await readAll(engine, .commit(repo, c), "f\(i)") == content(i)
                    let atHead = try await readAll(engine, master, "f\(i)") == content(i)
                    #expect(atCommit && atHead, "f\(i), after \(gcRuns) concurrent collections")
                } catch {
                    Issue.record("f\(i), written in commit \(c), does not read back after \(gcRuns) concurrent collections: \(error)")
                }
            }
            // Once the writer is done, one collection removes what is left and a second finds nothing.
            _ = try await engine.garbageCollect(grace: 0)
            let again = try await engine.garbageCollect(grace: 0)
            #expect(again.nodesDeleted == 0 && again.smallChunksDeleted == 0 && again.blobsDeleted == 0, "\(again)")
            #expect(try await readEverything(engine) >= files)
            let integrity = try await engine.checkIntegrity()
            #expect(integrity.problems.isEmpty, "\(integrity.problems)")
        }
    }
}
