import Foundation
import Testing

@testable import PFS

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("64 concurrent puts to one branch all land, each in a commit that contains it")
    func concurrentPutsToBranch() async throws {
        try await withEngine("conc-branch") { engine, _ in
            let repo = RepoID("conc")
            try await engine.createRepo(repo)
            let base = try await put(engine, .branch(repo, "master"), "base", [1, 2, 3])
            let n = 64
            let results = try await withThrowingTaskGroup(of: (Int, PutResult).self) { group in
                for i in 0..<n {
                    group.addTask {
                        // Some bodies are large enough to go to the blob store.
                        let bytes = randomBytes(i % 8 == 0 ? 100_000 + i : 100 + i, seed: UInt64(i))
                        return (i, try await put(engine, .branch(repo, "master"), "f/\(i)", bytes))
                    }
                }
                var out: [Int: PutResult] = [:]
                for try await (i, r) in group { out[i] = r }
                return out
            }
            #expect(results.count == n)

            // All files at HEAD, byte-exact.
            let head = CommitRef.branch(repo, "master")
            let walked = try await engine.walkFiles(head).map(\.path)
            #expect(Set(walked) == Set((0..<n).map { "f/\($0)" } + ["base"]))
            for i in 0..<n {
                let same = try await readAll(engine, head, "f/\(i)") == randomBytes(i % 8 == 0 ? 100_000 + i : 100 + i, seed: UInt64(i))
                #expect(same, "content of f/\(i)")
            }
            // Each returned commit contains its file.
            for (i, r) in results {
                let got = try await engine.inspectFile(.commit(repo, r.commit), path: "f/\(i)")
                #expect(got.size == r.size)
                #expect(got.entry?.commit == r.commit, "f/\(i) was written by the commit the put returned")
            }
            // Group commit may batch writes, never split one: at most one commit per put, in one linear history.
            let history = try await engine.listCommits(repo, from: head)
            #expect(history.count >= 2 && history.count <= n + 1, "\(history.count) commits")
            #expect(history.last?.id == base.commit)
            let distinct = Set(results.values.map(\.commit))
            #expect(distinct.count <= n && distinct.isSubset(of: Set(history.map(\.id))))
            let all = try await engine.listCommits(repo)
            #expect(all.count == history.count, "no commit outside the branch history")
            // File counts grow along the history.
            let counts = history.reversed().map(\.fileCount)
            #expect(counts == counts.sorted() && counts.last == UInt64(n + 1))
            #expect(try await engine.checkIntegrity().problems.isEmpty)
        }
    }

    @Test("concurrent writers into one open commit")
    func concurrentWritersIntoOpenCommit() async throws {
        try await withEngine("conc-open") { engine, _ in
            let repo = RepoID("conc")
            try await engine.createRepo(repo)
            try await put(engine, .branch(repo, "master"), "keep", [9])
            try await put(engine, .branch(repo, "master"), "gone/1", [1])
            let before = try await engine.listCommits(repo).count
            let open = try await engine.startCommit(repo, branch: "master")
            let n = 48
            let ids = try await withThrowingTaskGroup(of: CommitID.self) { group in
                for i in 0..<n {
                    group.addTask {
                        // Half through the commit ID, half through the branch; a few deletes mixed in.
                        let ref: CommitRef = i % 2 == 0 ? .commit(repo, open.id) : .branch(repo, "master")
                        if i == 5 { return try await engine.deleteFiles(ref, paths: [], prefixes: ["gone/"]) }
                        return try await put(engine, ref, "w/\(i)", randomBytes(50 + i * 37, seed: UInt64(1000 + i))).commit
                    }
                }
                var out: [CommitID] = []
                for try await id in group { out.append(id) }
                return out
            }
            #expect(ids.count == n)
            #expect(ids.allSatisfy { $0 == open.id }, "every write went into the open commit")
            let pending = try await engine.walkFiles(.commit(repo, open.id)).map(\.path)
            let expected = Set((0..<n).filter { $0 != 5 }.map { "w/\($0)" } + ["keep"])
            #expect(Set(pending) == expected)
            let finished = try await engine.finishCommit(.commit(repo, open.id))
            #expect(!finished.isOpen)
            #expect(finished.fileCount == UInt64(expected.count))
            #expect(try await engine.listCommits(repo).count == before + 1, "exactly one new commit")
            for i in 0..<n where i != 5 {
                let same = try await readAll(engine, .commit(repo, open.id), "w/\(i)") == randomBytes(50 + i * 37, seed: UInt64(1000 + i))
                #expect(same, "w/\(i)")
            }
            // Writes after the finish go to a new commit.
            let after = try await put(engine, .branch(repo, "master"), "later", [1])
            #expect(after.commit != open.id)
        }
    }

    /// A rename through the mount starts a commit while PUTs through S3 keep moving the HEAD: it used to fail with
    /// "branch changed while starting the commit" (EBUSY in the mount) whenever one landed in between.
    @Test("a commit started on a branch other writers keep moving starts on their latest HEAD")
    func startCommitWhileTheHeadMoves() async throws {
        try await withEngine("conc-start") { engine, _ in
            let repo = RepoID("conc")
            try await engine.createRepo(repo)
            _ = try await put(engine, .branch(repo, "master"), "base", [1])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<3 {
                    group.addTask {
                        for i in 0..<40 { _ = try await put(engine, .branch(repo, "master"), "w\(w)/\(i)", [UInt8(i)]) }
                    }
                }
                group.addTask {
                    for _ in 0..<40 {
                        let open = try await engine.startCommit(repo, branch: "master")
                        #expect(try await engine.inspectCommit(.branch(repo, "master")).id == open.id)
                        try await engine.finishCommit(.commit(repo, open.id))
                    }
                }
                try await group.waitForAll()
            }
            // Every put landed on the branch, whichever commit took it.
            for w in 0..<3 {
                for i in 0..<40 { #expect(try await engine.inspectFile(.branch(repo, "master"), path: "w\(w)/\(i)").entry != nil) }
            }
        }
    }

    @Test("concurrent appends to one file keep every part exactly once")
    func concurrentAppends() async throws {
        try await withEngine("conc-append") { engine, _ in
            let repo = RepoID("conc")
            try await engine.createRepo(repo)
            let open = try await engine.startCommit(repo, branch: "master")
            let ref = CommitRef.commit(repo, open.id)
            // 40 parts: the file's chunk list passes the inline limit (32 chunks) while appends are batched.
            let n = 40
            let partSize = 16
            func part(_ i: Int) -> [UInt8] { [UInt8](repeating: UInt8(i), count: partSize) }
            try await put(engine, ref, "log", part(0))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 1..<n {
                    group.addTask { try await put(engine, ref, "log", part(i), append: true) }
                }
                try await group.waitForAll()
            }
            try await engine.finishCommit(ref)
            let bytes = try await readAll(engine, ref, "log")
            #expect(bytes.count == n * partSize)
            #expect(Array(bytes[..<partSize]) == part(0))
            var seen: [Int] = []
            for p in stride(from: 0, to: bytes.count, by: partSize) {
                let piece = Array(bytes[p..<min(bytes.count, p + partSize)])
                if piece == part(Int(piece[0])) { seen.append(Int(piece[0])) }
            }
            #expect(seen.sorted() == Array(0..<n), "each part appended exactly once")
            #expect(try await engine.checkIntegrity().problems.isEmpty)
        }
    }
}
