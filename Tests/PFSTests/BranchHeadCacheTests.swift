import Foundation
import Testing

@testable import PFS

/// The store's cached branch rows follow every change, made by this engine or by another one on the
/// same data directory (another connection, as another process would be).
@Suite struct BranchHeadCacheTests {
    func head(_ e: PFSEngine, _ repo: RepoID, _ b: String = "master") async throws -> CommitID? {
        try await e.inspectBranch(repo, b).head
    }

    func isNotFound(_ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return false
        } catch let e as PFSError {
            if case .notFound = e { return true }
            return false
        } catch {
            return false
        }
    }

    @Test func everyKindOfWriteIsSeenByTheNextRead() async throws {
        try await withEngine("heads") { a, dir in
            let b = try PFSEngine(dataDirectory: dir)
            let repo = RepoID("r")
            let master = CommitRef.branch(repo, "master")
            try await a.createRepo(repo)
            // A branch read as missing, then created by the other engine.
            #expect(await isNotFound { _ = try await a.inspectBranch(repo, "master") })
            try await b.createBranch(repo, "master")
            #expect(try await head(a, repo) == nil)

            // Puts by either engine.
            let p1 = try await a.putFile(master, path: "k", from: [Array("one".utf8)].async)
            #expect(try await head(a, repo) == p1.commit)
            #expect(try await head(b, repo) == p1.commit)
            let p2 = try await b.putFile(master, path: "k", from: [Array("two".utf8)].async)
            #expect(try await head(a, repo) == p2.commit)
            #expect(try await readAll(a, master, "k") == Array("two".utf8))

            // A delete, a copy and a batch.
            let d = try await b.deleteFiles(master, paths: ["k"])
            #expect(try await head(a, repo) == d)
            let c = try await b.copyFile(from: .commit(repo, p1.commit), path: "k", to: master, path: "k2")
            #expect(try await head(a, repo) == c)
            #expect(try await readAll(a, master, "k2") == Array("one".utf8))

            // An open commit started, written into and finished.
            let open = try await b.startCommit(repo, branch: "master")
            #expect(try await head(a, repo) == open.id)
            _ = try await b.putFile(.commit(repo, open.id), path: "o", from: [Array("o".utf8)].async)
            #expect(try await readAll(a, master, "o") == Array("o".utf8))
            try await b.finishCommit(.commit(repo, open.id))
            #expect(try await a.inspectCommit(master).finished != nil)

            // The branch moved back, then deleted; the repo deleted.
            try await b.createBranch(repo, "master", head: .commit(repo, p1.commit), move: true)
            #expect(try await head(a, repo) == p1.commit)
            #expect(try await readAll(a, master, "k") == Array("one".utf8))
            try await b.createBranch(repo, "dev", head: master)
            #expect(try await head(a, repo, "dev") == p1.commit)
            try await b.deleteBranch(repo, "master")
            #expect(await isNotFound { _ = try await a.inspectBranch(repo, "master") })
            #expect(try await head(a, repo, "dev") == p1.commit)
            try await b.deleteRepo(repo)
            #expect(await isNotFound { _ = try await a.inspectBranch(repo, "dev") })
            // Re-created, empty: not the old row.
            try await b.createRepo(repo)
            try await b.createBranch(repo, "dev")
            #expect(try await head(a, repo, "dev") == nil)
        }
    }

    @Test func aReadAfterAFinishedWriteSeesItWhileOthersReadMeanwhile() async throws {
        try await withEngine("heads-race") { a, dir in
            let b = try PFSEngine(dataDirectory: dir)
            let repo = RepoID("r")
            let master = CommitRef.branch(repo, "master")
            try await a.createRepo(repo)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for i in 0..<60 {
                        let put = try await b.putFile(master, path: "k", from: [Array("v\(i)".utf8)].async)
                        // Once the put returned, the other engine reads it: the only writer made nothing newer.
                        #expect(try await a.inspectBranch(repo, "master").head == put.commit)
                        #expect(try await readAll(a, master, "k") == Array("v\(i)".utf8))
                    }
                }
                group.addTask {
                    for _ in 0..<300 { _ = try? await a.inspectBranch(repo, "master") }
                }
                try await group.waitForAll()
            }
        }
    }
}
