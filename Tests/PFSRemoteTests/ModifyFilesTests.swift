import Foundation
import PFS
import PFSClient
import PFSRemote
import Testing

/// `modifyFiles` over the network: one ModifyFile stream, applied by the server as one commit.
@Suite struct ModifyFilesTests {
    struct Interrupted: Error {}

    @Test func aStreamToAFinishedHeadIsOneCommitHoldingEveryOperation() async throws {
        let server = try await TestServer()
        let client = try server.client()
        let repo = RepoID("batch")
        try await client.createRepo(repo)
        let master = CommitRef.branch(repo, "master")
        _ = try await client.putFile(master, path: "old/1", bytes: Array("one".utf8))
        _ = try await client.putFile(master, path: "old/2", bytes: Array("two".utf8))
        _ = try await client.putFile(master, path: "f", bytes: Array("before".utf8))
        let before = try await server.local.listCommits(repo, from: nil, limit: 0).count
        let head = try await client.inspectCommit(master).id
        let piece = [UInt8](repeating: 9, count: 3 << 20)
        try await client.modifyFiles(master) { changes in
            try await changes.putFile(path: "big", from: [piece, piece].async, append: false)
            try await changes.putFile(path: "f", from: [Array("new".utf8)].async, append: false)
            try await changes.putFile(path: "f", from: [Array("+more".utf8)].async, append: true)
            try await changes.putFile(path: "empty", from: [[UInt8]]().async, append: false)
            try await changes.copyFile(from: .commit(repo, head), path: "old/1", to: "copied")
            try await changes.deleteFiles(paths: [], prefixes: ["old/"])
        }
        let commits = try await server.local.listCommits(repo, from: nil, limit: 0)
        #expect(commits.count == before + 1)
        #expect(commits.allSatisfy { $0.finished != nil })
        #expect(try await server.local.walkFiles(master, prefix: "").map(\.path) == ["big", "copied", "empty", "f"])
        #expect(try await server.local.readFile(master, path: "f") == Array("new+more".utf8))
        #expect(try await server.local.readFile(master, path: "big") == piece + piece)
        #expect(try await server.local.readFile(master, path: "copied") == Array("one".utf8))
        #expect(try await server.local.inspectFile(master, path: "empty").size == 0)
        await client.close()
        try await server.close()
    }

    @Test func aStreamThatBreaksCommitsNothing() async throws {
        let server = try await TestServer()
        let client = try server.client()
        let repo = RepoID("broken")
        try await client.createRepo(repo)
        let master = CommitRef.branch(repo, "master")
        _ = try await client.putFile(master, path: "keep", bytes: Array("keep".utf8))
        let before = try await server.local.listCommits(repo, from: nil, limit: 0)
        let piece = [UInt8](repeating: 3, count: 1 << 20)
        await #expect(throws: Interrupted.self) {
            try await client.modifyFiles(master) { changes in
                try await changes.putFile(path: "a", from: [Array("a".utf8)].async, append: false)
                try await changes.deleteFiles(paths: ["keep"], prefixes: [])
                try await changes.putFile(path: "b", from: [piece, piece, piece].async, append: false)
                throw Interrupted()
            }
        }
        // The source of a body breaks in the middle: the same.
        await #expect(throws: (any Error).self) {
            try await client.modifyFiles(master) { changes in
                try await changes.putFile(path: "a", from: [Array("a".utf8)].async, append: false)
                try await changes.putFile(path: "c", from: BrokenBody(pieces: [piece, piece, piece]), append: false)
            }
        }
        // Into an open commit: nothing of the broken stream lands in it either.
        let open = try await client.startCommit(repo, branch: "master", parent: nil, description: "")
        await #expect(throws: Interrupted.self) {
            try await client.modifyFiles(.commit(repo, open.id)) { changes in
                try await changes.putFile(path: "a", from: [Array("a".utf8)].async, append: false)
                throw Interrupted()
            }
        }
        try await client.finishCommit(.commit(repo, open.id), description: "")
        #expect(try await server.local.listCommits(repo, from: nil, limit: 0).count == before.count + 1)
        #expect(try await server.local.walkFiles(master, prefix: "").map(\.path) == ["keep"])
        await client.close()
        try await server.close()
    }

    @Test func aStreamToAFinishedCommitIsRefusedWithNothingApplied() async throws {
        let server = try await TestServer()
        let client = try server.client()
        let repo = RepoID("done")
        try await client.createRepo(repo)
        let put = try await client.putFile(.branch(repo, "master"), path: "x", bytes: [1])
        do {
            try await client.modifyFiles(.commit(repo, put.commit)) { changes in
                try await changes.putFile(path: "y", from: [[UInt8(2)]].async, append: false)
            }
            Issue.record("a write to a finished commit succeeded")
        } catch let e as PFSError {
            guard case .failedPrecondition = e else { Issue.record("expected failedPrecondition, got \(e)"); return }
        }
        #expect(try await server.local.walkFiles(.branch(repo, "master"), prefix: "").map(\.path) == ["x"])
        await client.close()
        try await server.close()
    }
}
