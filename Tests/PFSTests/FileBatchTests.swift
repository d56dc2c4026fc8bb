import Foundation
import Testing

@testable import PFS

@Suite("file batches")
struct FileBatchTests {
    @Test("many small files in one batch: those past the memory bound go to the blob store; one commit, all readable, GC-safe")
    func smallFilesPastTheBound() async throws {
        try await withEngine("batch") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            // 300 files of 60 KB: each is a small (metadata-store) chunk, 18 MB together, past the 16 MiB bound.
            let count = 300
            let size = 60_000
            #expect(count * size > FileBatch.smallBytesLimit)
            var spilled = 0
            let commit = try await engine.modifyFiles(ref) { batch in
                for i in 0..<count {
                    try await batch.putFile(path: "f\(i)", from: [randomBytes(size, seed: UInt64(i))].async, append: false)
                }
                spilled = batch.ops.filter { op in
                    if case .put(_, let e, _) = op, case .chunks(let c) = e.content { return c.allSatisfy { !$0.inMeta } }
                    return false
                }.count
                // A collection while the batch is open keeps every chunk it wrote.
                _ = try await engine.garbageCollect(grace: 0)
            }
            #expect(commit != nil)
            #expect(spilled > 0 && spilled < count)
            #expect(try await engine.listCommits(repo, from: ref).count == 1)
            for i in [0, count / 2, count - 1] {
                #expect(try await readAll(engine, ref, "f\(i)") == randomBytes(size, seed: UInt64(i)))
            }
            #expect(try await engine.checkIntegrity().problems.isEmpty)
        }
    }

    @Test("a batch whose body throws applies nothing; an empty batch makes no commit")
    func failedAndEmptyBatches() async throws {
        struct Stop: Error {}
        try await withEngine("batch-fail") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            _ = try await engine.putFile(ref, path: "keep", from: [Array("k".utf8)].async)
            await #expect(throws: Stop.self) {
                try await engine.modifyFiles(ref) { batch in
                    try await batch.putFile(path: "new", from: [randomBytes(300_000, seed: 9)].async, append: false)
                    try batch.deleteFiles(paths: ["keep"], prefixes: [])
                    throw Stop()
                }
            }
            #expect(try await engine.modifyFiles(ref) { _ in } == nil)
            #expect(try await engine.listCommits(repo, from: ref).count == 1)
            #expect(try await engine.walkFiles(ref).map(\.path) == ["keep"])
        }
    }
}
