import Foundation
import GRDB
import Testing

@testable import PFS

@Suite("Version lists")
struct VersionListTests {
    @Test("versions of a file: newest first, deletions included, a new commit shows at once, the old HEAD's history unchanged")
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
            #expect(first.versions.filter { $0.path == "a" }.map(\.commit) == [c3, c2, c1])
            #expect(first.versions.filter { $0.path == "a" }.map(\.isLatest) == [true, false, false])
            #expect(first.versions.first { $0.path == "a" }?.isDeletion == true)
            #expect(try await bytes(engine, first.versions[1]) == Array("two".utf8))
            #expect(try await engine.listVersions(master, prefix: "b").versions.map(\.path) == ["b"])

            let c4 = try await put(engine, master, "a", Array("four".utf8)).commit
            #expect(try await engine.listVersions(master).versions.filter { $0.path == "a" }.map(\.commit) == [c4, c3, c2, c1])
            #expect(try await engine.listVersions(.commit(repo, c3)) == first)
            let c5 = try await engine.deleteFiles(master, paths: ["a"])
            #expect(try await engine.listVersions(master).versions.filter { $0.path == "a" }.map(\.commit) == [c5, c4, c3, c2, c1])

            try await engine.deleteRepo(repo)
            try await engine.createRepo(repo)
            _ = try await put(engine, master, "z", [1])
            #expect(try await engine.listVersions(master).versions.map(\.path) == ["z"])
        }
    }

    @Test("an open commit makes one version per key it changed, relative to its parent")
    func openCommits() async throws {
        try await withEngine("versions-open") { engine, _ in
            let repo = RepoID("v")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let c1 = try await engine.putFile(master, path: "kept", from: body([1]))
            _ = try await put(engine, master, "gone", [1])
            _ = try await put(engine, master, "back", [1])
            let c2 = try await engine.deleteFiles(master, paths: ["gone", "back"])

            let open = try await engine.startCommit(repo, branch: "master")
            let o = CommitRef.commit(repo, open.id)
            _ = try await put(engine, o, "kept", [2])
            _ = try await put(engine, o, "kept", [3])  // rewritten: still one version
            _ = try await put(engine, o, "born-and-died", [1])
            try await engine.deleteFiles(o, paths: ["born-and-died"])
            _ = try await put(engine, o, "back", [2])
            _ = try await put(engine, o, "gone", [2])
            try await engine.deleteFiles(o, paths: ["gone"])  // deleted again: only the first deletion stays
            // Seen while open, and the same once finished.
            let whileOpen = try await engine.listVersions(o)
            try await engine.finishCommit(o)
            let page = try await engine.listVersions(master)
            #expect(page.versions.map(\.path) == whileOpen.versions.map(\.path))
            let byKey = Dictionary(grouping: page.versions, by: \.path).mapValues { $0.map(\.commit) }
            #expect(byKey["kept"]?.count == 2 && byKey["kept"]?.first == open.id && byKey["kept"]?.last == c1.commit)
            #expect(byKey["born-and-died"] == nil)
            #expect(byKey["back"]?.first == open.id && byKey["back"]?.dropFirst().first == c2)
            #expect(byKey["gone"]?.first == c2 && byKey["gone"]?.count == 2)
            #expect(page.versions.first { $0.path == "gone" }?.isDeletion == true)
            #expect(try await bytes(engine, page.versions.first { $0.path == "kept" }!) == [3])
            #expect(try await engine.walkedVersions(try await engine.resolve(master), prefix: "").map(\.commit) == page.versions.map(\.commit))
        }
    }

    @Test("deleting a prefix leaves a delete marker per file; the store stays whole through GC")
    func prefixDeletes() async throws {
        try await withEngine("versions-prefix") { engine, _ in
            let repo = RepoID("v")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            for i in 0..<300 { _ = try await put(engine, master, "dir/f\(1000 + i)", [UInt8(i & 0xFF)]) }
            _ = try await put(engine, master, "other", [1])
            let del = try await engine.deleteFiles(master, paths: [], prefixes: ["dir/"])
            _ = try await engine.garbageCollect(grace: 0)
            #expect(try await engine.checkIntegrity().problems.isEmpty)
            let page = try await engine.listVersions(master, prefix: "dir/", limit: 1000)
            #expect(page.versions.count == 600)
            #expect(page.versions.filter(\.isDeletion).allSatisfy { $0.commit == del && $0.isLatest })
            #expect(page.versions.filter { !$0.isDeletion }.allSatisfy { !$0.isLatest })
            let rolled = try await engine.listVersions(master, delimiter: "/", limit: 1000)
            #expect(rolled.commonPrefixes == ["dir/"] && rolled.versions.map(\.path) == ["other"])
        }
    }

    @Test("pages of every size give the listing of one big page, markers and delimiters included")
    func paging() async throws {
        try await withEngine("versions-pages") { engine, _ in
            let repo = RepoID("v")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            for round in 0..<3 {
                for k in ["a", "b/x", "b/y", "c", "d/e/f", "e"] { _ = try await put(engine, master, k, [UInt8(round)]) }
                try await engine.deleteFiles(master, paths: ["c", round == 1 ? "b/x" : "e"])
            }
            for delimiter in [nil, "/"] as [String?] {
                let all = try await engine.listVersions(master, delimiter: delimiter, limit: 1000)
                #expect(!all.isTruncated && all.nextKeyMarker == nil)
                for limit in 1...8 {
                    var versions: [FileVersion] = []
                    var prefixes: [String] = []
                    var km: String?
                    var vm: String?
                    for _ in 0..<100 {
                        let p = try await engine.listVersions(master, keyMarker: km, versionMarker: vm, delimiter: delimiter, limit: limit)
                        let items = p.versions.count + p.commonPrefixes.count
                        #expect(p.isTruncated ? items == limit : items <= limit)
                        versions += p.versions
                        prefixes += p.commonPrefixes
                        guard p.isTruncated else { break }
                        (km, vm) = (p.nextKeyMarker, p.nextVersionMarker)
                    }
                    #expect(versions == all.versions, "limit \(limit) delimiter \(delimiter ?? "nil")")
                    #expect(prefixes == all.commonPrefixes)
                }
            }
            // An unknown version marker skips the rest of that key; a key marker alone starts after the key.
            let afterA = try await engine.listVersions(master, keyMarker: "a", versionMarker: "nope")
            #expect(afterA.versions.first?.path == "b/x")
            #expect(try await engine.listVersions(master, keyMarker: "a").versions.first?.path == "b/x")
            #expect(try await engine.listVersions(master, prefix: "b/", keyMarker: "a").versions.first?.path == "b/x")
            #expect(try await engine.listVersions(master, limit: 0).isTruncated)
        }
    }

    @Test("a history begun before versions were linked is listed by walking it, also after new commits")
    func unlinkedHistories() async throws {
        let dir = try makeTempDirectory("versions-old")
        defer { removeTempDirectory(dir) }
        let repo = RepoID("v")
        let master = CommitRef.branch(repo, "master")
        var expected: VersionPage
        do {
            let engine = try PFSEngine(dataDirectory: dir)
            try await engine.createRepo(repo)
            _ = try await put(engine, master, "a", [1])
            _ = try await put(engine, master, "a", [2])
            try await engine.deleteFiles(master, paths: ["a"])
            _ = try await put(engine, master, "b", [1])
            expected = try await engine.listVersions(master)
        }
        // What a store written before the links looks like: the migration's defaults.
        let db = try DatabaseQueue(path: dir + "/meta.db")
        try await db.write { try $0.execute(sql: "UPDATE commits SET versions_linked = 0, tombstones = NULL") }
        try db.close()

        let engine = try PFSEngine(dataDirectory: dir)
        #expect(try await engine.resolve(master).versionsLinked == false)
        #expect(try await engine.listVersions(master) == expected)
        let c = try await put(engine, master, "a", [3]).commit
        #expect(try await engine.resolve(master).versionsLinked == false)
        let page = try await engine.listVersions(master, limit: 2)
        #expect(page.versions.map(\.commit) == [c, expected.versions[0].commit] && page.isTruncated)
        let rest = try await engine.listVersions(master, keyMarker: page.nextKeyMarker, versionMarker: page.nextVersionMarker)
        #expect(Array(rest.versions.map(\.commit)) == expected.versions.dropFirst().map(\.commit))
        // A new repo in the same store is linked.
        let fresh = RepoID("w")
        try await engine.createRepo(fresh)
        _ = try await put(engine, .branch(fresh, "master"), "x", [1])
        #expect(try await engine.resolve(.branch(fresh, "master")).versionsLinked)
    }

    @Test("the integrity check reports a version link to a commit that is gone")
    func danglingLinks() async throws {
        try await withEngine("versions-fsck") { engine, dir in
            let repo = RepoID("v")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let c1 = try await put(engine, master, "a", [1]).commit
            _ = try await put(engine, master, "a", [2])
            _ = try await put(engine, master, "b", [1])
            try await engine.deleteFiles(master, paths: ["b"])
            #expect(try await engine.checkIntegrity().problems.isEmpty)
            let db = try DatabaseQueue(path: dir + "/meta.db")
            try await db.write { try $0.execute(sql: "DELETE FROM commits WHERE id = ?", arguments: [c1.rawValue]) }
            try db.close()
            let problems = try await PFSEngine(dataDirectory: dir).checkIntegrity().problems
            #expect(problems.contains { $0.contains("the version before it names commit \(c1)") })
        }
    }

    @Test("the pager over a prepared list: markers inside common prefixes, and limits")
    func pagerOverWalkedList() async throws {
        let t = Date(timeIntervalSince1970: 0)
        let ids = (0..<3).map { _ in CommitID.random() }
        let list = [
            FileVersion(path: "a/1", commit: ids[1], entry: nil, time: t), FileVersion(path: "a/1", commit: ids[0], entry: nil, time: t),
            FileVersion(path: "a/2", commit: ids[0], entry: nil, time: t), FileVersion(path: "b", commit: ids[2], entry: nil, time: t),
            FileVersion(path: "b", commit: ids[1], entry: nil, time: t),
        ]
        var c = WalkedVersionCursor(list)
        let rolled = try await VersionPager.page(&c, prefix: "", keyMarker: nil, versionMarker: nil, delimiter: "/", limit: 2)
        #expect(rolled.commonPrefixes == ["a/"] && rolled.versions.map(\.commit) == [ids[2]] && rolled.versions[0].isLatest)
        #expect(rolled.isTruncated && rolled.nextKeyMarker == "b" && rolled.nextVersionMarker == ids[2].rawValue)
        let afterPrefix = try await VersionPager.page(&c, prefix: "", keyMarker: "a/", versionMarker: nil, delimiter: "/", limit: 5)
        #expect(afterPrefix.commonPrefixes.isEmpty && afterPrefix.versions.map(\.path) == ["b", "b"] && !afterPrefix.isTruncated)
        let inKey = try await VersionPager.page(&c, prefix: "a/", keyMarker: "a/1", versionMarker: ids[1].rawValue, delimiter: nil, limit: 1)
        #expect(inKey.versions.map(\.commit) == [ids[0]] && !inKey.versions[0].isLatest && inKey.isTruncated)
        #expect(inKey.nextKeyMarker == "a/1" && inKey.nextVersionMarker == ids[0].rawValue)
    }

    private func bytes(_ engine: PFSEngine, _ v: FileVersion) async throws -> [UInt8] {
        try await readAll(engine, .commit(RepoID("v"), v.commit), v.path)
    }
}
