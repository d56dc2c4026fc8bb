import Foundation
import Testing

@testable import PFS

private struct TruncatedBody: Error {}

/// A body that yields its pieces, then fails as a dropped connection would.
private struct FailingBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let pieces: [[UInt8]]

    struct AsyncIterator: AsyncIteratorProtocol {
        let pieces: [[UInt8]]
        var i = 0
        mutating func next() async throws -> [UInt8]? {
            guard i < pieces.count else { throw TruncatedBody() }
            defer { i += 1 }
            return pieces[i]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pieces: pieces) }
}

@Suite("Bad input")
struct BadInputTests {
    @Test("invalid project, repo and branch names are rejected")
    func invalidNames() async throws {
        try await withEngine("bad-names") { engine, _ in
            for name in ["a b", "", String(repeating: "x", count: 64), "a/b", "a.b", "é", "a\u{0}"] {
                await expectPFSError(.invalidArgument, "repo '\(name)'") { try await engine.createRepo(RepoID(name)) }
            }
            await expectPFSError(.invalidArgument, "project name") { try await engine.createProject("bad name") }
            await expectPFSError(.invalidArgument, "project of a repo") { try await engine.createRepo(RepoID("ok", project: "no good")) }
            // The longest valid name and the allowed characters are accepted.
            try await engine.createRepo(RepoID(String(repeating: "x", count: 63)))
            let repo = RepoID("Ok_repo-1")
            try await engine.createRepo(repo)
            await expectPFSError(.alreadyExists, "duplicate repo") { try await engine.createRepo(repo) }
            #expect(try await engine.listRepos().count == 2)

            let hexID = "0123456789abcdef0123456789abcdef"
            await expectPFSError(.invalidArgument, "branch like a commit ID") { try await engine.createBranch(repo, hexID) }
            await expectPFSError(.invalidArgument, "start commit on a branch like a commit ID") {
                try await engine.startCommit(repo, branch: hexID)
            }
            await expectPFSError(.invalidArgument, "branch with a space") { try await engine.createBranch(repo, "my branch") }
            // Hex-looking names of another length are ordinary names.
            try await engine.createBranch(repo, "0123456789abcdef")
            #expect(try await engine.listBranches(repo).map(\.name) == ["0123456789abcdef"])
        }
    }

    @Test("malformed refs are rejected by the parser")
    func badRefs() throws {
        for text in ["repo@", "repo@master^x", "repo@master.0", "repo@master~-1", "repo@^1", "repo@.2", "a b@master", "@master", "repo@bad name", "repo@x=123"] {
            #expect(throws: PFSError.self, "\(text)") { try CommitRef.parse(text) }
            do {
                _ = try CommitRef.parse(text)
            } catch let e as PFSError {
                #expect(kind(of: e) == .invalidArgument, "\(text): \(e)")
            }
        }
        // Well-formed refs.
        let id = CommitID("0123456789abcdef0123456789abcdef")!
        #expect(try CommitRef.parse("repo") == .branch(RepoID("repo"), "master"))
        #expect(try CommitRef.parse("proj/repo@dev^2") == CommitRef(repo: RepoID("repo", project: "proj"), base: .branch("dev"), offset: .ancestor(2)))
        #expect(try CommitRef.parse("repo@dev^") == CommitRef(repo: RepoID("repo"), base: .branch("dev"), offset: .ancestor(1)))
        #expect(try CommitRef.parse("repo@dev~0") == .branch(RepoID("repo"), "dev"))
        #expect(try CommitRef.parse("repo@dev.3") == CommitRef(repo: RepoID("repo"), base: .branch("dev"), offset: .fromStart(3)))
        #expect(try CommitRef.parse("repo@\(id.rawValue)") == .commit(RepoID("repo"), id))
        #expect(try CommitRef.parse("repo@dev=\(id.rawValue)~4") == CommitRef(repo: RepoID("repo"), base: .branchCommit("dev", id), offset: .ancestor(4)))
        // The description round-trips.
        for text in ["repo@dev^2", "proj/repo@dev.3", "repo@dev=\(id.rawValue)"] {
            #expect(try CommitRef.parse(text).description == text)
        }
    }

    @Test("unknown repos, branches and commits are not found")
    func unknownObjects() async throws {
        try await withEngine("bad-unknown") { engine, _ in
            let missing = RepoID("missing")
            await expectPFSError(.notFound, "inspect repo") { try await engine.inspectRepo(missing) }
            await expectPFSError(.notFound, "get from missing repo") { try await engine.getFile(.branch(missing, "master"), path: "a") }
            await expectPFSError(.notFound, "put to missing repo") { try await put(engine, .branch(missing, "master"), "a", [1]) }
            await expectPFSError(.notFound, "list commits of missing repo") { try await engine.listCommits(missing) }
            await expectPFSError(.notFound, "branch in missing repo") { try await engine.createBranch(missing, "b") }
            await expectPFSError(.notFound, "delete missing repo") { try await engine.deleteRepo(missing) }
            await expectPFSError(.notFound, "missing project") { try await engine.inspectProject("nope") }

            let repo = RepoID("r")
            try await engine.createRepo(repo)
            await expectPFSError(.notFound, "empty repo has no master") { try await engine.inspectCommit(.branch(repo, "master")) }
            try await put(engine, .branch(repo, "master"), "a", [1])
            await expectPFSError(.notFound, "inspect branch") { try await engine.inspectBranch(repo, "nope") }
            await expectPFSError(.notFound, "read from missing branch") { try await engine.getFile(.branch(repo, "nope"), path: "a") }
            await expectPFSError(.notFound, "delete on missing branch") { try await engine.deleteFiles(.branch(repo, "nope"), paths: ["a"]) }
            await expectPFSError(.notFound, "delete missing branch") { try await engine.deleteBranch(repo, "nope") }
            let unknown = CommitID.random()
            await expectPFSError(.notFound, "inspect commit") { try await engine.inspectCommit(.commit(repo, unknown)) }
            await expectPFSError(.notFound, "read from commit") { try await engine.getFile(.commit(repo, unknown), path: "a") }
            await expectPFSError(.notFound, "write to commit") { try await put(engine, .commit(repo, unknown), "a", [1]) }
            await expectPFSError(.notFound, "missing file") { try await engine.getFile(.branch(repo, "master"), path: "b") }
            await expectPFSError(.notFound, "inspect missing file") { try await engine.inspectFile(.branch(repo, "master"), path: "b") }
            await expectPFSError(.notFound, "copy missing file") {
                try await engine.copyFile(from: .branch(repo, "master"), path: "b", to: .branch(repo, "master"), path: "c")
            }
            // A commit of one repo is not found through another.
            let other = RepoID("other")
            try await engine.createRepo(other)
            let c = try await engine.inspectCommit(.branch(repo, "master"))
            await expectPFSError(.notFound, "commit of another repo") { try await engine.inspectCommit(.commit(other, c.id)) }
            await expectPFSError(.invalidArgument, "branch head in another repo") { try await engine.createBranch(other, "x", head: .commit(repo, c.id)) }
            #expect(try await engine.listCommits(repo).count == 1)
        }
    }

    @Test("finished commits are immutable and a branch has at most one open commit")
    func commitStates() async throws {
        try await withEngine("bad-commits") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let first = try await put(engine, .branch(repo, "master"), "a", [1])
            let finished = CommitRef.commit(repo, first.commit)
            await expectPFSError(.failedPrecondition, "put into finished commit") { try await put(engine, finished, "b", [2]) }
            await expectPFSError(.failedPrecondition, "delete in finished commit") { try await engine.deleteFiles(finished, paths: ["a"]) }
            await expectPFSError(.failedPrecondition, "copy into finished commit") {
                try await engine.copyFile(from: finished, path: "a", to: finished, path: "b")
            }
            await expectPFSError(.failedPrecondition, "finish a finished commit") { try await engine.finishCommit(finished) }
            await expectPFSError(.failedPrecondition, "finish a branch without open commit") { try await engine.finishCommit(.branch(repo, "master")) }
            await expectPFSError(.invalidArgument, "write to an ancestor ref") {
                try await put(engine, CommitRef(repo: repo, base: .branch("master"), offset: .ancestor(1)), "b", [2])
            }
            #expect(try await engine.walkFiles(finished).map(\.path) == ["a"])

            let open = try await engine.startCommit(repo, branch: "master")
            await expectPFSError(.failedPrecondition, "second open commit") { try await engine.startCommit(repo, branch: "master") }
            // Another branch may have its own open commit.
            let other = try await engine.startCommit(repo, branch: "dev", parent: finished)
            #expect(other.parent == first.commit)
            try await engine.finishCommit(.branch(repo, "dev"))
            try await engine.finishCommit(.commit(repo, open.id))
            let again = try await engine.startCommit(repo, branch: "master")
            #expect(again.parent == open.id)
            try await engine.finishCommit(.branch(repo, "master"))
            #expect(try await engine.listCommits(repo).count == 4)
        }
    }

    @Test("bad paths and reads past the end of a file")
    func badPathsAndOffsets() async throws {
        try await withEngine("bad-paths") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let content = randomBytes(1_000, seed: 3)
            try await put(engine, master, "f", content)
            let commits = try await engine.listCommits(repo).count

            let long = String(repeating: "p", count: 1025)
            await expectPFSError(.invalidArgument, "1025-byte path") { try await put(engine, master, long, [1]) }
            await expectPFSError(.invalidArgument, "read 1025-byte path") { try await engine.getFile(master, path: long) }
            // A path of 1024 bytes counted in UTF-8 (512 two-byte characters) is fine; one more byte is not.
            let maxPath = String(repeating: "é", count: 512)
            try await put(engine, master, maxPath, [7])
            #expect(try await readAll(engine, master, maxPath) == [7])
            await expectPFSError(.invalidArgument, "1025 UTF-8 bytes") { try await put(engine, master, maxPath + "x", [1]) }
            await expectPFSError(.invalidArgument, "path with NUL") { try await put(engine, master, "a\u{0}b", [1]) }
            await expectPFSError(.invalidArgument, "empty path") { try await put(engine, master, "", [1]) }
            await expectPFSError(.invalidArgument, "delete path with NUL") { try await engine.deleteFiles(master, paths: ["x\u{0}"]) }
            #expect(try await engine.listCommits(repo).count == commits + 1, "only the valid put made a commit")

            // Reads: at the end is empty, past the end is an error.
            await expectPFSError(.invalidArgument, "offset past EOF") { try await engine.getFile(master, path: "f", offset: 1_001) }
            await expectPFSError(.invalidArgument, "offset far past EOF") { try await engine.getFile(master, path: "f", offset: UInt64.max) }
            #expect(try await readAll(engine, master, "f", offset: 1_000) == [])
            #expect(try await readAll(engine, master, "f", offset: 990) == Array(content[990...]))
            #expect(try await readAll(engine, master, "f", offset: 10, length: 5) == Array(content[10..<15]))
            #expect(try await readAll(engine, master, "f", offset: 995, length: 100) == Array(content[995...]))
            #expect(try await readAll(engine, master, "f", offset: 0, length: 0) == [])
            // A directory is not a file.
            try await put(engine, master, "dir/x", [1])
            await expectPFSError(.failedPrecondition, "read a directory") { try await engine.getFile(master, path: "dir") }
            #expect(try await engine.inspectFile(master, path: "dir").kind == .directory)
        }
    }

    @Test("a body that fails midway commits nothing and leaves the old content intact")
    func truncatedBody() async throws {
        try await withEngine("bad-body") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let old = randomBytes(5_000, seed: 8)
            try await put(engine, master, "f", old)
            let head = try await engine.inspectCommit(master)
            let count = try await engine.listCommits(repo).count

            // More than the largest chunk arrives before the failure, so chunks were already stored.
            let partial = randomBytes(4_500_000, seed: 9)
            let failing = FailingBody(pieces: stride(from: 0, to: partial.count, by: 500_000).map { Array(partial[$0..<min(partial.count, $0 + 500_000)]) })
            for append in [false, true] {
                await #expect(throws: TruncatedBody.self, "put with append \(append)") {
                    try await engine.putFile(master, path: "f", from: failing, append: append)
                }
                await #expect(throws: TruncatedBody.self, "put of a new file, append \(append)") {
                    try await engine.putFile(master, path: "new", from: failing, append: append)
                }
            }
            // Fails on the very first piece too.
            await #expect(throws: TruncatedBody.self) { try await engine.putFile(master, path: "f", from: FailingBody(pieces: [])) }
            #expect(try await engine.listCommits(repo).count == count, "no commit from a failed body")
            #expect(try await engine.inspectCommit(master).id == head.id)
            #expect(try await readAll(engine, master, "f") == old)
            #expect(try await engine.walkFiles(master).map(\.path) == ["f"])

            // Into an open commit: nothing changes either.
            let open = try await engine.startCommit(repo, branch: "master")
            await #expect(throws: TruncatedBody.self) { try await engine.putFile(master, path: "f", from: failing) }
            #expect(try await readAll(engine, .commit(repo, open.id), "f") == old)
            let openRoot = try await engine.resolve(.commit(repo, open.id)).root
            let headRoot = try await engine.resolve(.commit(repo, head.id)).root
            #expect(openRoot != nil && openRoot == headRoot, "the open commit still has its parent's tree")
            try await engine.finishCommit(master)

            // The chunks the failed writes had already cut are not kept: discarded at once or, at the
            // latest, collected as garbage (they are not pinned as in flight).
            let cuts = chunkCutPoints(partial, pieces: [500_000]).dropLast()
            #expect(!cuts.isEmpty)
            var chunkStart = 0
            var orphans: [Digest] = []
            for c in cuts {
                orphans.append(Digest.of(Array(partial[chunkStart..<c])))
                chunkStart = c
            }
            _ = try await engine.garbageCollect(grace: 0)
            for d in orphans { #expect(try await engine.blobs.get(d) == nil, "chunk \(d) of a failed body is still stored") }
            #expect(try await readAll(engine, master, "f") == old)
            #expect(try await engine.checkIntegrity().problems.isEmpty)
        }
    }

    @Test("ancestry refs resolve on a history of 5 commits")
    func refResolution() async throws {
        try await withEngine("bad-refs") { engine, _ in
            let repo = RepoID("hist")
            try await engine.createRepo(repo)
            var ids: [CommitID] = []  // ids[0] is the first commit
            for i in 0..<5 { ids.append(try await put(engine, .branch(repo, "master"), "f", [UInt8(i)]).commit) }
            func resolve(_ text: String) async throws -> CommitID { try await engine.inspectCommit(try CommitRef.parse(text)).id }

            #expect(try await resolve("hist@master") == ids[4])
            #expect(try await resolve("hist") == ids[4])
            #expect(try await resolve("hist@master^") == ids[3])
            #expect(try await resolve("hist@master^1") == ids[3])
            #expect(try await resolve("hist@master~2") == ids[2])
            #expect(try await resolve("hist@master^4") == ids[0])
            #expect(try await resolve("hist@master~0") == ids[4])
            #expect(try await resolve("hist@master.1") == ids[0])
            #expect(try await resolve("hist@master.3") == ids[2])
            #expect(try await resolve("hist@master.5") == ids[4])
            #expect(try await resolve("hist@\(ids[3])") == ids[3])
            #expect(try await resolve("hist@\(ids[3])^2") == ids[1])
            #expect(try await resolve("hist@\(ids[3]).1") == ids[0])
            #expect(try await resolve("hist@master=\(ids[2])") == ids[2])
            #expect(try await resolve("hist@master=\(ids[2])~1") == ids[1])
            #expect(try await resolve("hist@master=\(ids[2]).2") == ids[1])
            await expectPFSError(.notFound, "master^5") { try await resolve("hist@master^5") }
            await expectPFSError(.notFound, "master.6") { try await resolve("hist@master.6") }
            await expectPFSError(.notFound, "\(ids[1])~2") { try await resolve("hist@\(ids[1])~2") }
            // Reads through ancestry refs see the older content.
            #expect(try await readAll(engine, try CommitRef.parse("hist@master^3"), "f") == [1])
            #expect(try await readAll(engine, try CommitRef.parse("hist@master.4"), "f") == [3])
            // listCommits from an ancestor ref walks back from it.
            #expect(try await engine.listCommits(repo, from: try CommitRef.parse("hist@master~1")).map(\.id) == ids[..<4].reversed())
            #expect(try await engine.listCommits(repo, from: .branch(repo, "master"), limit: 2).map(\.id) == [ids[4], ids[3]])
        }
    }
}
