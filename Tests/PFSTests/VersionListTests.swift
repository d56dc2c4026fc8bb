import Foundation
import Testing

@testable import PFS

@Suite("Version lists")
struct VersionListTests {
    @Test("versions of a file: newest first, deletions included, a new commit shows at once, equal on repeated calls")
    func versionsFollowTheHistory() async throws {
        try await withEngine("versions") { engine, _ in
            let repo = RepoID("v")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let c1 = try await put(engine, master, "a", Array("one".utf8)).commit
            let c2 = try await put(engine, master, "a", Array("two".utf8)).commit
            _ = try await put(engine, master, "b", Array("bee".utf8))
            let c3 = try await engine.deleteFiles(master, paths: ["a"])

            let first = try await engine.listVersions(master)
            #expect(first.filter { $0.path == "a" }.map(\.commit) == [c3, c2, c1])
            #expect(first.first { $0.path == "a" }?.isDeletion == true)
            // Served again for the same HEAD (paging clients ask once per page): the same list.
            #expect(try await engine.listVersions(master) == first)
            #expect(try await engine.listVersions(master, prefix: "b").map(\.path) == ["b"])

            // A new HEAD is a new history: the list has the new version, the old HEAD's list is unchanged.
            let c4 = try await put(engine, master, "a", Array("four".utf8)).commit
            #expect(try await engine.listVersions(master).filter { $0.path == "a" }.map(\.commit) == [c4, c3, c2, c1])
            #expect(try await engine.listVersions(.commit(repo, c3)) == first)

            // Deleting the repo forgets its lists: a new repo of the same name starts empty.
            try await engine.deleteRepo(repo)
            try await engine.createRepo(repo)
            _ = try await put(engine, master, "z", [1])
            #expect(try await engine.listVersions(master).map(\.path) == ["z"])
        }
    }
}
