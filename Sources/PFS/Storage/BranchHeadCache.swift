import Foundation
internal import GRDBSQLite
import Synchronization

/// Branch rows as last read, reused until the database changes. A change is seen through SQLite's
/// `PRAGMA data_version` on a connection of its own, which moves on a commit by any other connection,
/// this process's writer or another process on the same data directory. A branch read through the
/// reader pool cost ~27% of a 4 KiB GET's server CPU (most of it the pool's dispatch, not the query).
final class BranchHeadCache: Sendable {
    private struct Key: Hashable {
        var repo: RepoID
        var name: String
    }

    private struct State {
        let db: OpaquePointer
        let statement: OpaquePointer
        var heads: [Key: (version: Int64, branch: BranchInfo?)] = [:]
    }

    private let state: Mutex<State>

    /// A cache of the database at `path`; nil when the extra connection cannot be opened (reads then go to the store).
    init?(path: String) {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            return nil
        }
        sqlite3_busy_timeout(db, 5000)
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &statement, nil) == SQLITE_OK, let statement else {
            sqlite3_close_v2(db)
            return nil
        }
        state = Mutex(State(db: db, statement: statement))
    }

    deinit {
        state.withLock { s in
            sqlite3_finalize(s.statement)
            sqlite3_close_v2(s.db)
        }
    }

    /// The branch `name` of `repo` as `read` returns it, from the cache when nothing was committed since it was read.
    func branch(_ repo: RepoID, _ name: String, read: () async throws -> BranchInfo?) async throws -> BranchInfo? {
        let key = Key(repo: repo, name: name)
        let (version, hit): (Int64?, BranchInfo??) = state.withLock { s in
            // The statement's read transaction ends with the reset: it never holds the WAL back.
            defer { sqlite3_reset(s.statement) }
            guard sqlite3_step(s.statement) == SQLITE_ROW else { return (nil, nil) }
            let v = sqlite3_column_int64(s.statement, 0)
            guard let e = s.heads[key], e.version == v else { return (v, nil) }
            return (v, .some(e.branch))
        }
        if let hit { return hit }
        // Read after the version was taken, so the row is at least as new as that version.
        let branch = try await read()
        if let version {
            state.withLock { s in
                if s.heads.count >= 4096 { s.heads.removeAll() }
                s.heads[key] = (version, branch)
            }
        }
        return branch
    }
}
