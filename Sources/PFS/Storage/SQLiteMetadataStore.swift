public import Foundation
internal import GRDB

/// The embedded metadata store: one SQLite database in WAL mode through GRDB.
/// Readers use the pool's snapshot readers and never wait for the single writer. Point reads (a
/// branch, a commit, a node) run synchronously on the calling thread: an indexed lookup takes
/// microseconds, less than the two thread hops of an asynchronous read (4 KiB GETs: 2.3k → 3.3k/s).
public final class SQLiteMetadataStore: MetadataStore {
    private let pool: DatabasePool
    private let heads: BranchHeadCache?

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            // FULL: a committed transaction is on disk when the call returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The writer probes the node and chunk indexes at random digests on every commit: a 2 MB cache
            // sent most probes to pread. Not more: each commit scans the writer's page cache (SQLite truncates it to the
            // database size), and 256 MiB doubled a commit at a million files. Readers lose their cache whenever the WAL
            // moves, so a big one buys them nothing.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // Checkpoints run inside a committing write; fewer, larger ones copy each hot page (branch
                // rows, index roots) once per 32 MiB of WAL instead of once per 4 MiB.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw PFSError.io("cannot open metadata database \(path): \(error)")
        }
        let applied = try pool.read { try Self.migrator.appliedIdentifiers($0) }
        try Self.migrator.migrate(pool)
        if !applied.isEmpty, !applied.contains("v5-rowid-blobs") {
            // The move to rowid tables left the old tables' pages free inside the file: the store would stay
            // twice its size until writes reuse them (a million files: 0.9 GB became 1.7 GB). Give them back once.
            try pool.writeWithoutTransaction { try $0.execute(sql: "VACUUM") }
        }
        heads = BranchHeadCache(path: path)
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE projects (name TEXT PRIMARY KEY, description TEXT NOT NULL, created REAL NOT NULL);
                    CREATE TABLE repos (project TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, created REAL NOT NULL,
                        PRIMARY KEY (project, name));
                    CREATE TABLE branches (project TEXT NOT NULL, repo TEXT NOT NULL, name TEXT NOT NULL, head TEXT,
                        PRIMARY KEY (project, repo, name));
                    CREATE TABLE commits (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project TEXT NOT NULL,
                        repo TEXT NOT NULL, branch TEXT, parent TEXT, root BLOB, description TEXT NOT NULL, started REAL NOT NULL,
                        finished REAL, file_count INTEGER NOT NULL, size_bytes INTEGER NOT NULL);
                    CREATE INDEX commits_by_repo ON commits (project, repo, seq);
                    CREATE TABLE nodes (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE chunks (digest BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
                    INSERT INTO projects (name, description, created) VALUES ('default', 'The default project', strftime('%s','now'));
                    """)
        }
        m.registerMigration("v2-uploads") { db in
            try db.execute(
                sql: """
                    CREATE TABLE uploads (id TEXT PRIMARY KEY, project TEXT NOT NULL, repo TEXT NOT NULL, branch TEXT NOT NULL,
                        path TEXT NOT NULL, content_type TEXT, metadata BLOB NOT NULL, created REAL NOT NULL);
                    CREATE TABLE upload_parts (upload_id TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL, md5 BLOB NOT NULL,
                        chunks BLOB NOT NULL, created REAL NOT NULL, PRIMARY KEY (upload_id, number)) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v3-auth") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auth_state (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL);
                    INSERT INTO auth_state (id, active) VALUES (1, 0);
                    CREATE TABLE tokens (hash BLOB PRIMARY KEY, subject TEXT NOT NULL, created REAL NOT NULL) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v4-version-links") { db in
            // Commits written before keep versions_linked = 0: their versions are listed by walking the history.
            try db.execute(
                sql: """
                    ALTER TABLE commits ADD COLUMN tombstones BLOB;
                    ALTER TABLE commits ADD COLUMN versions_linked INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        m.registerMigration("v5-rowid-blobs") { db in
            // Nodes and small chunks are KiB-sized rows. In a WITHOUT ROWID table the whole row is the B-tree key, so
            // every comparison of a digest lookup read the row's overflow pages into a fresh buffer: at a million
            // files a third of a commit's CPU. A rowid table keeps the rows; a unique index of 32-byte digests finds them.
            for table in ["nodes", "chunks"] {
                try db.execute(
                    sql: """
                        CREATE TABLE \(table)_v5 (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, data BLOB NOT NULL);
                        INSERT INTO \(table)_v5 (digest, data) SELECT digest, data FROM \(table);
                        DROP TABLE \(table);
                        ALTER TABLE \(table)_v5 RENAME TO \(table);
                        """)
            }
        }
        m.registerMigration("v6-upload-checksums") { db in
            // An upload's checksum: algorithm and whether composite; a part's: algorithm and raw value. NULL: none.
            try db.execute(
                sql: """
                    ALTER TABLE uploads ADD COLUMN checksum_algorithm TEXT;
                    ALTER TABLE uploads ADD COLUMN checksum_composite INTEGER;
                    ALTER TABLE upload_parts ADD COLUMN checksum_algorithm TEXT;
                    ALTER TABLE upload_parts ADD COLUMN checksum BLOB;
                    """)
        }
        return m
    }

    private func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as PFSError {
            throw e
        } catch let e as MetadataConflict {
            throw e
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw PFSError.alreadyExists("already exists: \(e.message ?? "")")
        } catch let e as DatabaseError where e.resultCode == .SQLITE_FULL {
            throw PFSError.storageFull("metadata store: \(e)")
        } catch {
            throw PFSError.io("metadata store: \(error)")
        }
    }

    // MARK: projects

    public func createProject(_ info: ProjectInfo) async throws {
        try await wrap {
            try await pool.write { db in
                if try Row.fetchOne(db, sql: "SELECT 1 FROM projects WHERE name = ?", arguments: [info.name]) != nil {
                    throw PFSError.alreadyExists("project '\(info.name)' already exists")
                }
                try db.execute(
                    sql: "INSERT INTO projects (name, description, created) VALUES (?, ?, ?)",
                    arguments: [info.name, info.description, info.created.timeIntervalSince1970])
            }
        }
    }

    public func project(_ name: String) async throws -> ProjectInfo? {
        try await wrap {
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT name, description, created FROM projects WHERE name = ?", arguments: [name]).map(Self.project)
            }
        }
    }

    public func listProjects() async throws -> [ProjectInfo] {
        try await wrap {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, description, created FROM projects ORDER BY name").map(Self.project)
            }
        }
    }

    public func deleteProject(_ name: String) async throws {
        try await wrap {
            try await pool.write { db in
                if try Int.fetchOne(db, sql: "SELECT count(*) FROM repos WHERE project = ?", arguments: [name])! > 0 {
                    throw PFSError.failedPrecondition("project '\(name)' still has repos; delete them first")
                }
                try db.execute(sql: "DELETE FROM projects WHERE name = ?", arguments: [name])
                if db.changesCount == 0 { throw PFSError.notFound("project '\(name)' not found") }
            }
        }
    }

    private static func project(_ r: Row) -> ProjectInfo {
        ProjectInfo(name: r[0], description: r[1], created: Date(timeIntervalSince1970: r[2]))
    }

    // MARK: repos

    public func createRepo(_ repo: RepoID, description: String, created: Date) async throws {
        try await wrap {
            try await pool.write { db in
                guard try Row.fetchOne(db, sql: "SELECT 1 FROM projects WHERE name = ?", arguments: [repo.project]) != nil else {
                    throw PFSError.notFound("project '\(repo.project)' not found")
                }
                if try Row.fetchOne(db, sql: "SELECT 1 FROM repos WHERE project = ? AND name = ?", arguments: [repo.project, repo.name]) != nil {
                    throw PFSError.alreadyExists("repo '\(repo)' already exists")
                }
                try db.execute(
                    sql: "INSERT INTO repos (project, name, description, created) VALUES (?, ?, ?, ?)",
                    arguments: [repo.project, repo.name, description, created.timeIntervalSince1970])
            }
        }
    }

    public func repo(_ repo: RepoID) async throws -> RepoInfo? {
        try await wrap {
            try pool.unsafeRead { db in
                guard
                    let r = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT project, name, description, created FROM repos WHERE project = ? AND name = ?"),
                        arguments: [repo.project, repo.name])
                else { return nil }
                return try Self.repoInfo(db, r)
            }
        }
    }

    public func listRepos(project: String?) async throws -> [RepoInfo] {
        try await wrap {
            try await pool.read { db in
                let rows: [Row]
                if let project {
                    rows = try Row.fetchAll(
                        db, sql: "SELECT project, name, description, created FROM repos WHERE project = ? ORDER BY name", arguments: [project])
                } else {
                    rows = try Row.fetchAll(db, sql: "SELECT project, name, description, created FROM repos ORDER BY project, name")
                }
                return try rows.map { try Self.repoInfo(db, $0) }
            }
        }
    }

    private static func repoInfo(_ db: Database, _ r: Row) throws -> RepoInfo {
        let id = RepoID(r[1], project: r[0])
        let branches = try String.fetchAll(
            db.cachedStatement(sql: "SELECT name FROM branches WHERE project = ? AND repo = ? ORDER BY name"), arguments: [id.project, id.name])
        return RepoInfo(repo: id, description: r[2], created: Date(timeIntervalSince1970: r[3]), branches: branches)
    }

    public func deleteRepo(_ repo: RepoID) async throws {
        try await wrap {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM repos WHERE project = ? AND name = ?", arguments: [repo.project, repo.name])
                if db.changesCount == 0 { throw PFSError.notFound("repo '\(repo)' not found") }
                try db.execute(sql: "DELETE FROM branches WHERE project = ? AND repo = ?", arguments: [repo.project, repo.name])
                try db.execute(sql: "DELETE FROM commits WHERE project = ? AND repo = ?", arguments: [repo.project, repo.name])
            }
        }
    }

    // MARK: branches

    public func branch(_ repo: RepoID, _ name: String) async throws -> BranchInfo? {
        guard let heads else { return try await readBranch(repo, name) }
        return try await heads.branch(repo, name) { try await readBranch(repo, name) }
    }

    private func readBranch(_ repo: RepoID, _ name: String) async throws -> BranchInfo? {
        try await wrap {
            try pool.unsafeRead { db in
                guard
                    let r = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT head FROM branches WHERE project = ? AND repo = ? AND name = ?"),
                        arguments: [repo.project, repo.name, name])
                else { return nil }
                return BranchInfo(repo: repo, name: name, head: (r[0] as String?).flatMap(CommitID.init))
            }
        }
    }

    public func listBranches(_ repo: RepoID) async throws -> [BranchInfo] {
        try await wrap {
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT name, head FROM branches WHERE project = ? AND repo = ? ORDER BY name", arguments: [repo.project, repo.name]
                ).map { BranchInfo(repo: repo, name: $0[0], head: ($0[1] as String?).flatMap(CommitID.init)) }
            }
        }
    }

    public func setBranch(_ repo: RepoID, _ name: String, head: CommitID?, move: Bool) async throws {
        try await wrap {
            try await pool.write { db in
                guard
                    try Row.fetchOne(db, sql: "SELECT 1 FROM repos WHERE project = ? AND name = ?", arguments: [repo.project, repo.name]) != nil
                else { throw PFSError.notFound("repo '\(repo)' not found") }
                let exists =
                    try Row.fetchOne(
                        db, sql: "SELECT 1 FROM branches WHERE project = ? AND repo = ? AND name = ?", arguments: [repo.project, repo.name, name])
                    != nil
                if exists {
                    guard move else { throw PFSError.alreadyExists("branch '\(name)' already exists in repo '\(repo)'") }
                    try db.execute(
                        sql: "UPDATE branches SET head = ? WHERE project = ? AND repo = ? AND name = ?",
                        arguments: [head?.rawValue, repo.project, repo.name, name])
                } else {
                    try db.execute(
                        sql: "INSERT INTO branches (project, repo, name, head) VALUES (?, ?, ?, ?)",
                        arguments: [repo.project, repo.name, name, head?.rawValue])
                }
            }
        }
    }

    public func deleteBranch(_ repo: RepoID, _ name: String, deletingCommits: [CommitID]) async throws {
        try await wrap {
            try await pool.write { db in
                try db.execute(
                    sql: "DELETE FROM branches WHERE project = ? AND repo = ? AND name = ?", arguments: [repo.project, repo.name, name])
                if db.changesCount == 0 { throw PFSError.notFound("branch '\(name)' not found in repo '\(repo)'") }
                for c in deletingCommits {
                    try db.execute(
                        sql: "DELETE FROM commits WHERE id = ? AND project = ? AND repo = ?", arguments: [c.rawValue, repo.project, repo.name])
                }
            }
        }
    }

    // MARK: commits

    private static let commitColumns =
        "project, repo, id, branch, parent, root, description, started, finished, file_count, size_bytes, tombstones, versions_linked"

    private static func commit(_ r: Row) -> CommitRecord {
        CommitRecord(
            repo: RepoID(r[1], project: r[0]), id: CommitID(r[2])!, branch: r[3], parent: (r[4] as String?).flatMap(CommitID.init),
            root: (r[5] as Data?).flatMap { Digest(bytes: $0) }, description: r[6], started: Date(timeIntervalSince1970: r[7]),
            finished: (r[8] as Double?).map(Date.init(timeIntervalSince1970:)), fileCount: UInt64(r[9] as Int64),
            sizeBytes: UInt64(r[10] as Int64), tombstones: (r[11] as Data?).flatMap { Digest(bytes: $0) }, versionsLinked: r[12] as Bool)
    }

    public func commit(_ repo: RepoID, _ id: CommitID) async throws -> CommitRecord? {
        try await wrap {
            try pool.unsafeRead { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT \(Self.commitColumns) FROM commits WHERE id = ? AND project = ? AND repo = ?"),
                    arguments: [id.rawValue, repo.project, repo.name]
                ).map(Self.commit)
            }
        }
    }

    public func listCommits(_ repo: RepoID, limit: Int) async throws -> [CommitRecord] {
        try await wrap {
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(Self.commitColumns) FROM commits WHERE project = ? AND repo = ? ORDER BY seq DESC LIMIT ?",
                    arguments: [repo.project, repo.name, limit > 0 ? limit : -1]
                ).map(Self.commit)
            }
        }
    }

    public func allCommits() async throws -> [CommitRecord] {
        try await wrap { try await pool.read { db in try Self.allCommits(db) } }
    }

    fileprivate static func allCommits(_ db: Database) throws -> [CommitRecord] {
        try Row.fetchAll(db, sql: "SELECT \(commitColumns) FROM commits ORDER BY seq").map(commit)
    }

    // MARK: uploads

    public func createUpload(_ u: UploadInfo) async throws {
        let meta = try JSONEncoder().encode(u.metadata)
        try await wrap {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO uploads (id, project, repo, branch, path, content_type, metadata, created, checksum_algorithm, checksum_composite)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        u.id, u.repo.project, u.repo.name, u.branch, u.path, u.contentType, meta, u.created.timeIntervalSince1970,
                        u.checksum?.algorithm.rawValue, u.checksum.map { $0.composite ? 1 : 0 },
                    ])
            }
        }
    }

    private static let uploadColumns = "id, project, repo, branch, path, content_type, metadata, created, checksum_algorithm, checksum_composite"

    private static func upload(_ r: Row) throws -> UploadInfo {
        var checksum: UploadChecksum?
        if let name: String = r[8] {
            guard let a = ContentChecksum.Algorithm(rawValue: name), let c = UploadChecksum(a, composite: (r[9] as Int?) == 1) else {
                throw PFSError.corrupt("upload \(r[0] as String) has a bad checksum setting '\(name)'")
            }
            checksum = c
        }
        return UploadInfo(
            id: r[0], repo: RepoID(r[2], project: r[1]), branch: r[3], path: r[4], contentType: r[5],
            metadata: try JSONDecoder().decode([String: String].self, from: r[6] as Data), created: Date(timeIntervalSince1970: r[7]),
            checksum: checksum)
    }

    public func upload(_ id: String) async throws -> UploadInfo? {
        try await wrap {
            try pool.unsafeRead { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.uploadColumns) FROM uploads WHERE id = ?"), arguments: [id]).map(Self.upload)
            }
        }
    }

    public func listUploads(_ repo: RepoID?) async throws -> [UploadInfo] {
        try await wrap {
            try await pool.read { db in
                if let repo {
                    return try Row.fetchAll(
                        db, sql: "SELECT \(Self.uploadColumns) FROM uploads WHERE project = ? AND repo = ? ORDER BY created, id",
                        arguments: [repo.project, repo.name]
                    ).map(Self.upload)
                }
                return try Row.fetchAll(db, sql: "SELECT \(Self.uploadColumns) FROM uploads ORDER BY created, id").map(Self.upload)
            }
        }
    }

    public func putPart(_ p: PartRecord, smallChunks: [Digest: [UInt8]]) async throws {
        try await wrap {
            try await pool.write { db in
                guard try Row.fetchOne(db, sql: "SELECT 1 FROM uploads WHERE id = ?", arguments: [p.uploadID]) != nil else {
                    throw PFSError.notFound("upload \(p.uploadID) not found")
                }
                for (d, data) in smallChunks {
                    try db.execute(sql: "INSERT OR IGNORE INTO chunks (digest, data) VALUES (?, ?)", arguments: [Data(d.bytes), Data(data)])
                }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO upload_parts (upload_id, number, size, md5, chunks, created, checksum_algorithm, checksum)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        p.uploadID, p.number, Int64(p.size), Data(p.md5), Data(p.encodedChunks), p.created.timeIntervalSince1970,
                        p.checksum?.algorithm.rawValue, p.checksum.map { Data($0.value) },
                    ])
            }
        }
    }

    fileprivate static func part(_ r: Row) throws -> PartRecord {
        var checksum: ContentChecksum?
        if let name: String = r[6] {
            guard let a = ContentChecksum.Algorithm(rawValue: name), let data: Data = r[7], let c = ContentChecksum(a, value: [UInt8](data)) else {
                throw PFSError.corrupt("part \(r[1] as Int) of upload \(r[0] as String) has a bad checksum")
            }
            checksum = c
        }
        return PartRecord(
            uploadID: r[0], number: r[1], size: UInt64(r[2] as Int64), md5: [UInt8](r[3] as Data),
            chunks: try PartRecord.decodeChunks([UInt8](r[4] as Data)), created: Date(timeIntervalSince1970: r[5]), checksum: checksum)
    }

    fileprivate static let partColumns = "upload_id, number, size, md5, chunks, created, checksum_algorithm, checksum"

    public func parts(_ uploadID: String) async throws -> [PartRecord] {
        try await wrap {
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(Self.partColumns) FROM upload_parts WHERE upload_id = ? ORDER BY number", arguments: [uploadID]
                ).map(Self.part)
            }
        }
    }

    public func deleteUpload(_ id: String) async throws -> Bool {
        try await wrap {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM upload_parts WHERE upload_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id])
                return db.changesCount > 0
            }
        }
    }

    // MARK: auth

    public func authActive() async throws -> Bool {
        try await wrap { try pool.unsafeRead { db in try Bool.fetchOne(db.cachedStatement(sql: "SELECT active FROM auth_state WHERE id = 1")) ?? false } }
    }

    public func setAuth(active: Bool, rootTokenHash: [UInt8]?) async throws {
        try await wrap {
            try await pool.write { db in
                let current = try Bool.fetchOne(db, sql: "SELECT active FROM auth_state WHERE id = 1") ?? false
                if active && current { throw PFSError.alreadyExists("auth is already activated") }
                if !active && !current { throw PFSError.failedPrecondition("the auth service is not activated") }
                try db.execute(sql: "DELETE FROM tokens")
                try db.execute(sql: "UPDATE auth_state SET active = ? WHERE id = 1", arguments: [active])
                if active, let h = rootTokenHash {
                    try db.execute(
                        sql: "INSERT INTO tokens (hash, subject, created) VALUES (?, ?, ?)",
                        arguments: [Data(h), "pach:root", Date().timeIntervalSince1970])
                }
            }
        }
    }

    public func putToken(hash: [UInt8], subject: String, created: Date) async throws {
        try await wrap {
            try await pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT active FROM auth_state WHERE id = 1") ?? false else {
                    throw PFSError.failedPrecondition("the auth service is not activated")
                }
                try db.execute(
                    sql: "INSERT INTO tokens (hash, subject, created) VALUES (?, ?, ?)", arguments: [Data(hash), subject, created.timeIntervalSince1970])
            }
        }
    }

    public func tokenSubject(hash: [UInt8]) async throws -> String? {
        try await wrap { try pool.unsafeRead { db in try String.fetchOne(db.cachedStatement(sql: "SELECT subject FROM tokens WHERE hash = ?"), arguments: [Data(hash)]) } }
    }

    // MARK: objects

    public func node(_ digest: Digest) async throws -> [UInt8]? {
        try await wrap {
            try pool.unsafeRead { db in
                try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM nodes WHERE digest = ?"), arguments: [Data(digest.bytes)]).map { [UInt8]($0) }
            }
        }
    }

    public func chunk(_ digest: Digest) async throws -> [UInt8]? {
        try await wrap {
            try pool.unsafeRead { db in
                try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM chunks WHERE digest = ?"), arguments: [Data(digest.bytes)]).map { [UInt8]($0) }
            }
        }
    }

    public func storedObjects() async throws -> (nodes: [Digest], chunks: [Digest]) {
        try await wrap {
            try await pool.read { db in
                let n = try Data.fetchAll(db, sql: "SELECT digest FROM nodes").compactMap { Digest(bytes: $0) }
                let c = try Data.fetchAll(db, sql: "SELECT digest FROM chunks").compactMap { Digest(bytes: $0) }
                return (n, c)
            }
        }
    }

    // MARK: transactions

    public func apply(_ tx: MetadataTransaction) async throws {
        guard !tx.isEmpty else { return }
        try await wrap {
            try await pool.write { db in
                let insertNode = try db.cachedStatement(sql: "INSERT OR IGNORE INTO nodes (digest, data) VALUES (?, ?)")
                for (d, data) in tx.nodes { try insertNode.execute(arguments: [Data(d.bytes), Data(data)]) }
                let insertChunk = try db.cachedStatement(sql: "INSERT OR IGNORE INTO chunks (digest, data) VALUES (?, ?)")
                for (d, data) in tx.chunks { try insertChunk.execute(arguments: [Data(d.bytes), Data(data)]) }
                for c in tx.newCommits {
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO commits (\(Self.commitColumns))
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """
                    ).execute(
                        arguments: [
                            c.repo.project, c.repo.name, c.id.rawValue, c.branch, c.parent?.rawValue, c.root.map { Data($0.bytes) }, c.description,
                            c.started.timeIntervalSince1970, c.finished?.timeIntervalSince1970, Int64(c.fileCount), Int64(c.sizeBytes),
                            c.tombstones.map { Data($0.bytes) }, c.versionsLinked,
                        ])
                }
                for u in tx.commitUpdates {
                    let current = try Row.fetchOne(db, sql: "SELECT root, finished FROM commits WHERE id = ?", arguments: [u.id.rawValue])
                    guard let current else { throw MetadataConflict(description: "commit \(u.id) no longer exists") }
                    if (current[1] as Double?) != nil { throw MetadataConflict(description: "commit \(u.id) was finished meanwhile") }
                    let root = (current[0] as Data?).flatMap { Digest(bytes: $0) }
                    if root != u.expectedRoot { throw MetadataConflict(description: "commit \(u.id) changed meanwhile") }
                    try db.execute(
                        sql: "UPDATE commits SET root = ?, tombstones = ?, file_count = ?, size_bytes = ?, finished = ? WHERE id = ?",
                        arguments: [
                            u.root.map { Data($0.bytes) }, u.tombstones.map { Data($0.bytes) }, Int64(u.fileCount), Int64(u.sizeBytes),
                            u.finished?.timeIntervalSince1970, u.id.rawValue,
                        ])
                    if let d = u.description {
                        try db.execute(sql: "UPDATE commits SET description = ? WHERE id = ?", arguments: [d, u.id.rawValue])
                    }
                }
                for m in tx.branchMoves {
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT head FROM branches WHERE project = ? AND repo = ? AND name = ?"),
                        arguments: [m.repo.project, m.repo.name, m.branch])
                    guard let row else {
                        guard m.create, m.expected == nil else {
                            throw MetadataConflict(description: "branch '\(m.branch)' of repo '\(m.repo)' no longer exists")
                        }
                        guard
                            try Row.fetchOne(
                                db, sql: "SELECT 1 FROM repos WHERE project = ? AND name = ?", arguments: [m.repo.project, m.repo.name]) != nil
                        else { throw MetadataConflict(description: "repo '\(m.repo)' no longer exists") }
                        try db.execute(
                            sql: "INSERT INTO branches (project, repo, name, head) VALUES (?, ?, ?, ?)",
                            arguments: [m.repo.project, m.repo.name, m.branch, m.new.rawValue])
                        continue
                    }
                    if (row[0] as String?) != m.expected?.rawValue {
                        throw MetadataConflict(description: "branch '\(m.branch)' of repo '\(m.repo)' moved meanwhile")
                    }
                    try db.cachedStatement(sql: "UPDATE branches SET head = ? WHERE project = ? AND repo = ? AND name = ?").execute(
                        arguments: [m.new.rawValue, m.repo.project, m.repo.name, m.branch])
                }
            }
        }
    }

    public func sweep(mark: @Sendable (MetadataSnapshot) throws -> Set<Digest>) async throws -> (live: Set<Digest>, nodes: Int, chunks: Int) {
        try await wrap {
            try await pool.write { db in
                let live = try mark(Snapshot(db: db))
                var deleted = (live: live, nodes: 0, chunks: 0)
                for (table, isNodes) in [("nodes", true), ("chunks", false)] {
                    let all = try Data.fetchAll(db, sql: "SELECT digest FROM \(table)")
                    for d in all where !live.contains(Digest(bytes: d)!) {
                        try db.execute(sql: "DELETE FROM \(table) WHERE digest = ?", arguments: [d])
                        if isNodes { deleted.nodes += 1 } else { deleted.chunks += 1 }
                    }
                }
                return deleted
            }
        }
    }

    private struct Snapshot: MetadataSnapshot {
        let db: Database
        func allCommits() throws -> [CommitRecord] { try SQLiteMetadataStore.allCommits(db) }
        func allParts() throws -> [PartRecord] {
            try Row.fetchAll(db, sql: "SELECT \(SQLiteMetadataStore.partColumns) FROM upload_parts").map(SQLiteMetadataStore.part)
        }
        func node(_ digest: Digest) throws -> [UInt8]? {
            try Data.fetchOne(db.cachedStatement(sql: "SELECT data FROM nodes WHERE digest = ?"), arguments: [Data(digest.bytes)]).map { [UInt8]($0) }
        }
    }
}
