import Foundation
import GRDB
import Testing

@testable import PFS

@Suite("Metadata migrations")
struct MetadataMigrationTests {
    @Test("a store whose nodes and chunks tables have no rowid is moved to rowid tables: every file reads back, GC still sweeps")
    func nodesAndChunksGetRowids() async throws {
        let dir = try makeTempDirectory("migrate-v5")
        defer { removeTempDirectory(dir) }
        let repo = RepoID("m")
        let master = CommitRef.branch(repo, "master")
        var files: [String: [UInt8]] = [:]
        do {
            let engine = try PFSEngine(dataDirectory: dir)
            try await engine.createRepo(repo)
            // Small files (chunks kept in the metadata store), one over the small limit, and enough files for several nodes.
            try await engine.putFiles(master, files: (0..<300).map { i in (path: "dir/f\(i)", bytes: Array("file \(i)".utf8)) })
            for i in 0..<300 { files["dir/f\(i)"] = Array("file \(i)".utf8) }
            files["small"] = Array(repeating: 7, count: 40_000)
            files["large"] = (0..<(FileIngest.smallLimit + 1)).map { UInt8(truncatingIfNeeded: $0) }
            for name in ["small", "large"] { try await put(engine, master, name, files[name]!) }
            // Garbage for the collector: a repo deleted with its only file.
            try await engine.createRepo(RepoID("gone"))
            try await put(engine, .branch(RepoID("gone"), "master"), "x", Array("only here".utf8))
            try await engine.deleteRepo(RepoID("gone"))
        }
        // The tables as the migrations before v5 made them.
        let db = try DatabaseQueue(path: dir + "/meta.db")
        try await db.write { db in
            for table in ["nodes", "chunks"] {
                try db.execute(
                    sql: """
                        CREATE TABLE \(table)_old (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
                        INSERT INTO \(table)_old SELECT digest, data FROM \(table);
                        DROP TABLE \(table);
                        ALTER TABLE \(table)_old RENAME TO \(table);
                        """)
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v5-rowid-blobs'")
        }
        let before = try await db.read { db in
            (nodes: try Int.fetchOne(db, sql: "SELECT count(*) FROM nodes")!, chunks: try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks")!)
        }
        #expect(before.nodes > 3 && before.chunks > 300)
        try db.close()

        let engine = try PFSEngine(dataDirectory: dir)
        let check = try DatabaseQueue(path: dir + "/meta.db")
        let after = try await check.read { db in
            try ["nodes", "chunks"].map { table in
                (columns: try db.columns(in: table).map(\.name), count: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)")!)
            }
        }
        #expect(after.map(\.columns) == [["id", "digest", "data"], ["id", "digest", "data"]])
        #expect(after.map(\.count) == [before.nodes, before.chunks])
        // The old tables' pages were given back, not left free in the file.
        #expect(try await check.read { try Int.fetchOne($0, sql: "PRAGMA freelist_count")! } == 0)
        try check.close()
        for (path, bytes) in files { #expect(try await readAll(engine, master, path) == bytes, "\(path)") }
        let report = try await engine.checkIntegrity()
        #expect(report.problems.isEmpty)
        #expect(report.nodes > 0 && report.chunks > 300)
        // New writes land in the migrated tables, and GC deletes from them what nothing reaches.
        try await put(engine, master, "after", [9, 9])
        #expect(try await readAll(engine, master, "after") == [9, 9])
        let gc = try await engine.garbageCollect(grace: 0)
        #expect(gc.smallChunksDeleted > 0 && gc.nodesDeleted > 0)
        for (path, bytes) in files { #expect(try await readAll(engine, master, path) == bytes, "\(path)") }
        #expect(try await engine.checkIntegrity().problems.isEmpty)
    }
}
