import Foundation
import Glibc
import PFS
import PFSClient

/// Changes made through the mount, per branch, staged locally until a commit records them: files being
/// written, deletions, new directories. A commit takes only files no one has open for writing (at unmount,
/// everything), so readers through S3 never see a half-written file.
final class WriteStage: @unchecked Sendable {
    struct Branch: Hashable, Sendable {
        var repo: RepoID
        var name: String
    }

    private struct Changes {
        var files: [String: StagedFile] = [:]
        /// File paths (and directory markers ending with `/`) to delete.
        var deleted: Set<String> = []
        /// Directories made with mkdir.
        var dirs: Set<String> = []
        var scheduled = false
        /// Seconds before the next try after commits failed (0: the last one did not).
        var retryDelay: Double = 0
        /// A try is waiting for its time (one at a time, however many changes failed meanwhile).
        var retryPending = false
        var isEmpty: Bool { files.isEmpty && deleted.isEmpty && dirs.isEmpty }

        // Each changes a set and returns what the journal must note of it (nil: the set already was so).
        mutating func delete(_ p: String, _ b: Branch) -> ChangeJournal.Entry? { deleted.insert(p).inserted ? .init(.delete, b, p) : nil }
        mutating func undelete(_ p: String, _ b: Branch) -> ChangeJournal.Entry? { deleted.remove(p) != nil ? .init(.undelete, b, p) : nil }
        mutating func mkdir(_ p: String, _ b: Branch) -> ChangeJournal.Entry? { dirs.insert(p).inserted ? .init(.mkdir, b, p) : nil }
        mutating func unmkdir(_ p: String, _ b: Branch) -> ChangeJournal.Entry? { dirs.remove(p) != nil ? .init(.unmkdir, b, p) : nil }
    }

    private unowned let fs: MountFileSystem
    private let lock = NSLock()
    private var branches: [Branch: Changes] = [:]
    /// The last commit task of each branch: commits of one branch run one after another.
    private var tails: [Branch: Task<Void, any Error>] = [:]
    /// The final commits have begun (unmount): failed commits are not tried again on their own any more.
    private var stopping = false
    let directory: String
    private let localFiles: StagingFilePool
    /// Where staged deletions and new directories are kept for a mount that takes over after a crash (nil: read-only,
    /// or the directory belongs to a live mount).
    private let journal: ChangeJournal?

    init(fs: MountFileSystem) throws {
        self.fs = fs
        directory = fs.configuration.cacheDirectory
        let log = fs.configuration.log
        localFiles = StagingFilePool(directory: directory, source: fs.configuration.source, log: log)
        if !fs.configuration.readOnly {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw MountError("cannot create the cache directory \(directory): \(error.localizedDescription)")
            }
            let left = localFiles.claim()
            journal = left == nil ? nil : ChangeJournal(directory: directory, source: fs.configuration.source)
            if let left { takeUp(left, log: log) }
            if let pending = journal?.open(log: log) { takeUp(pending, log: log) }
        } else {
            journal = nil
        }
    }

    /// Stages again the deletions and new directories a dead mount of this source left uncommitted.
    private func takeUp(_ pending: [Branch: ChangeJournal.Pending], log: (String) -> Void) {
        guard !pending.isEmpty else { return }
        var deletions = 0, dirs = 0
        for (b, p) in pending {
            var c = branches[b] ?? Changes()
            c.deleted.formUnion(p.deleted)
            c.dirs.formUnion(p.dirs)
            branches[b] = c
            deletions += p.deleted.count
            dirs += p.dirs.count
        }
        log("staged again \(deletions) deletion\(deletions == 1 ? "" : "s") and \(dirs) new director\(dirs == 1 ? "y" : "ies") that a mount of \(fs.configuration.source) left uncommitted in \(directory)")
    }

    /// Whether any branch has deletions or new directories to commit (under the lock).
    private var hasPendingChanges: Bool { branches.values.contains { !$0.deleted.isEmpty || !$0.dirs.isEmpty } }

    /// Notes changes to the staged deletions and directories (under the lock, so in the order they are made).
    private func journaled(_ entries: [ChangeJournal.Entry?]) {
        journal?.append(entries.compactMap { $0 })
    }

    /// Stages again the closed files a dead mount of this source left uncommitted (``commitRecovered()`` then
    /// commits them as usual), and says what it did with the rest.
    private func takeUp(_ left: StagingFilePool.Leftovers, log: (String) -> Void) {
        func files(_ n: Int) -> String { "\(n) staging file\(n == 1 ? "" : "s")" }
        if left.removed > 0 {
            log("removed \(files(left.removed)) (\(left.removedBytes) bytes) from \(directory): a mount that used it ended while they were open for writing")
        }
        if left.foreign > 0 {
            log("left \(files(left.foreign)) in \(directory) that a mount of another source staged")
        }
        guard !left.recovered.isEmpty else { return }
        var bytes: UInt64 = 0
        var replaced: [StagedFile] = []
        for (file, record) in left.recovered {
            let f = StagedFile(recovered: file, record: record, pool: localFiles)
            bytes += f.size
            var c = branches[f.branch] ?? Changes()
            // Two records of one path (a copy made while a commit read the first): the newer wins.
            if let other = c.files[f.path] {
                if other.mtime > f.mtime {
                    replaced.append(f)
                    continue
                }
                replaced.append(other)
            }
            c.files[f.path] = f
            branches[f.branch] = c
        }
        for f in replaced { f.discard() }
        let count = left.recovered.count - replaced.count
        log("staged again \(files(count)) (\(bytes) bytes) that a mount of \(fs.configuration.source) closed and left uncommitted in \(directory)")
    }

    /// Schedules the commit of files staged again at start (with `commit=unmount`, they wait for the unmount).
    func commitRecovered() {
        for b in locked({ Array(branches.keys) }) { changed(b) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: - What the mount shows

    func stagedFile(_ repo: RepoID, _ branch: String, _ path: String) -> StagedFile? {
        locked { branches[Branch(repo: repo, name: branch)]?.files[path] }
    }

    /// The staged file at `path` if its bytes may change in place now: nil when there is none, or when it is
    /// closed and a commit is reading it (``openForWrite(_:_:truncate:limit:commit:)`` then gives a copy).
    func stagedFileToResize(_ repo: RepoID, _ branch: String, _ path: String) -> StagedFile? {
        locked {
            guard let f = branches[Branch(repo: repo, name: branch)]?.files[path] else { return nil }
            return f.writers == 0 && f.isBeingCommitted ? nil : f
        }
    }

    /// The staged state of `path`: a file being written, a new directory, or a directory holding either.
    func staged(_ repo: RepoID, _ branch: String, _ path: String) -> NodeAttributes? {
        locked {
            guard let c = branches[Branch(repo: repo, name: branch)], !path.isEmpty else { return nil }
            if let f = c.files[path] { return f.attributes(readOnly: false) }
            if c.dirs.contains(path) { return .directory(readOnly: false) }
            let dir = path + "/"
            if c.files.keys.contains(where: { $0.hasPrefix(dir) }) || c.dirs.contains(where: { $0.hasPrefix(dir) }) {
                return .directory(readOnly: false)
            }
            return nil
        }
    }

    /// Whether `path` was deleted through the mount and not made again.
    func isHidden(_ repo: RepoID, _ branch: String, _ path: String) -> Bool {
        locked {
            guard let c = branches[Branch(repo: repo, name: branch)] else { return false }
            return c.deleted.contains(path) || c.deleted.contains(path + "/")
        }
    }

    /// The staged children of a directory, and the names to hide from its committed listing.
    func overlay(_ repo: RepoID, _ branch: String, _ dir: String) -> (extra: [(String, NodeAttributes)], hide: Set<String>) {
        locked {
            guard let c = branches[Branch(repo: repo, name: branch)] else { return ([], []) }
            let prefix = dir.isEmpty ? "" : dir + "/"
            var extra: [String: NodeAttributes] = [:]
            func child(_ p: String) -> (String, Bool)? {
                guard p.hasPrefix(prefix) else { return nil }
                let rest = p.dropFirst(prefix.count)
                if let slash = rest.firstIndex(of: "/") { return (String(rest[..<slash]), true) }
                return rest.isEmpty ? nil : (String(rest), false)
            }
            for (p, f) in c.files {
                guard let (name, isDir) = child(p) else { continue }
                extra[name] = isDir ? .directory(readOnly: false) : f.attributes(readOnly: false)
            }
            for d in c.dirs {
                guard let (name, _) = child(d) else { continue }
                extra[name] = .directory(readOnly: false)
            }
            var hide = Set(extra.keys)
            for d in c.deleted {
                let p = d.hasSuffix("/") ? String(d.dropLast()) : d
                if let (name, isDir) = child(p), !isDir, extra[name] == nil { hide.insert(name) }
            }
            return (extra.map { ($0.key, $0.value) }, hide)
        }
    }

    // MARK: - Changes

    /// A new empty staged file at `path` (replacing any staged one), opened for writing if `open`.
    func create(_ b: Branch, _ path: String, open: Bool) throws -> StagedFile {
        let f = try newFile(b, path)
        if open { f.opened() }
        let old: StagedFile? = locked {
            var c = branches[b] ?? Changes()
            let old = c.files[path]
            c.files[path] = f
            journaled([c.undelete(path, b)])
            branches[b] = c
            return old
        }
        old?.discard()
        return f
    }

    /// The staged file at `path`, opened for writing: the existing one, or a copy of the committed file
    /// (its first `limit` bytes), or an empty one.
    func openForWrite(_ b: Branch, _ path: String, truncate: Bool, limit: UInt64? = nil, commit: CommitID?) async throws -> StagedFile {
        enum Staged {
            case none, opened(StagedFile), beingCommitted(StagedFile)
        }
        // Checked and opened under the lock that a commit takes its closed files under: never both.
        let staged: Staged = locked {
            guard let f = branches[b]?.files[path] else { return .none }
            if f.writers == 0 && f.isBeingCommitted {
                // Held open for the copy below, however soon the commit is done with it.
                f.beginCommitRead()
                return .beingCommitted(f)
            }
            f.opened()
            return .opened(f)
        }
        switch staged {
        case .none: break
        case .opened(let f):
            if truncate { try await f.truncate(0) }
            return f
        case .beingCommitted(let old):
            // A commit is reading the file as it was closed: write into a copy, so that commit records exactly
            // those bytes and the next one these.
            defer { old.endCommitRead() }
            let f = try newFile(b, path)
            do {
                if !truncate { try await f.copyContents(of: old) }
            } catch {
                f.discard()
                throw error
            }
            f.opened()
            let replaced: Bool = locked {
                var c = branches[b] ?? Changes()
                // The commit may have finished and dropped `old`: the copy holds exactly what it committed.
                let current = c.files[path]
                guard current === old || (current == nil && !c.deleted.contains(path)) else { return false }
                c.files[path] = f
                branches[b] = c
                return true
            }
            guard replaced else {
                // Changed meanwhile (deleted, recreated, renamed): open whatever is there now.
                f.discard()
                return try await openForWrite(b, path, truncate: truncate, limit: limit, commit: commit)
            }
            old.discard()
            return f
        }
        // No commit from the caller: what it looked at was staged, and a commit has taken the file since (the
        // branch HEAD moved before the staged file was dropped). Starting empty lost the file's bytes.
        var source = truncate ? nil : commit
        if !truncate, source == nil { source = try await fs.commit(of: .branch(b.repo, b.name)) }
        let f = try newFile(b, path)
        if let source {
            let cref = CommitRef.commit(b.repo, source)
            do {
                let size = try await fs.client.inspectFile(cref, path: path).size
                let len = min(size, limit ?? size)
                if len > 0 {
                    for try await piece in try await fs.client.getFile(cref, path: path, offset: 0, length: len) { try await f.append(piece) }
                }
                if let limit, limit > size { try await f.truncate(limit) }
            } catch {
                f.discard()
                throw error
            }
        }
        f.opened()
        // Another open may have staged the file meanwhile: use the first one.
        let winner: StagedFile = locked {
            var c = branches[b] ?? Changes()
            if let existing = c.files[path] {
                existing.opened()
                return existing
            }
            c.files[path] = f
            journaled([c.undelete(path, b)])
            branches[b] = c
            return f
        }
        if winner !== f { f.discard() }
        return winner
    }

    /// An empty staged file that streams itself into the store while it is written sequentially.
    private func newFile(_ b: Branch, _ path: String) throws -> StagedFile {
        let f = try StagedFile(path: path, branch: b, pool: localFiles)
        // With commits only at unmount nothing waits for the commit, and a put parked until then holds memory.
        if fs.configuration.commitPolicy == .close { f.streamThreshold = fs.configuration.streamThresholdBytes }
        f.streamStarter = { [client = fs.client] fd, path, written, mtime in
            // In-process, the bytes are staged in the store and the local file does without them.
            if let stager = client as? any ContentStaging {
                return StreamingPut(staging: stager, fd: fd, start: written, mtime: Self.mtimeTag(mtime))
            }
            return StreamingPut(client: client, branch: b, path: path, fd: fd, start: written, mtime: Self.mtimeTag(mtime))
        }
        return f
    }

    /// The mtime as the store keeps it (user metadata `mtime`).
    static func mtimeTag(_ d: Date) -> String { String(format: "%.3f", d.timeIntervalSince1970) }

    /// Whether `f` is still staged under some path (not deleted or replaced).
    func isStaged(_ f: StagedFile) -> Bool {
        locked { branches[f.branch]?.files[f.path] === f }
    }

    func delete(_ b: Branch, _ path: String) {
        let f: StagedFile? = locked {
            var c = branches[b] ?? Changes()
            let f = c.files.removeValue(forKey: path)
            journaled([c.unmkdir(path, b), c.delete(path, b)])
            branches[b] = c
            return f
        }
        // Still open: its bytes go nowhere, and a put streaming them stops now.
        if let f { if f.writers == 0 { f.discard() } else { f.stopPut() } }
    }

    func makeDirectory(_ b: Branch, _ path: String) {
        locked {
            var c = branches[b] ?? Changes()
            journaled([c.mkdir(path, b), c.undelete(path + "/", b)])
            branches[b] = c
        }
    }

    /// Removes a directory made through the mount, and its marker if it was committed.
    func removeDirectory(_ b: Branch, _ path: String) {
        locked {
            var c = branches[b] ?? Changes()
            journaled([c.unmkdir(path, b), c.delete(path + "/", b)])
            branches[b] = c
        }
    }

    /// Moves a staged file; false if `from` is not staged.
    func moveStaged(_ b: Branch, from: String, to: String) -> Bool {
        let replaced: StagedFile?? = locked {
            guard var c = branches[b], let f = c.files.removeValue(forKey: from) else { return nil }
            let old = c.files[to]
            f.path = to
            c.files[to] = f
            // Delete the old name too: a commit in flight may be recording it.
            journaled([c.undelete(to, b), c.delete(from, b)])
            branches[b] = c
            return .some(old)
        }
        guard let replaced else { return false }
        if let r = replaced, r.writers == 0 { r.discard() }
        return true
    }

    /// Moves what is staged under directory `from` to `to`, once a commit has moved the directory's committed
    /// contents: files still open for writing then, and whatever was made or deleted under it meanwhile.
    func moveStagedTree(_ b: Branch, from: String, to: String) {
        let (fromDir, toDir) = (from + "/", to + "/")
        func moved(_ p: String) -> String { toDir + p.dropFirst(fromDir.count) }
        locked {
            guard var c = branches[b] else { return }
            var notes: [ChangeJournal.Entry?] = []
            for p in c.deleted where p.hasPrefix(fromDir) && p != fromDir { notes += [c.undelete(p, b), c.delete(moved(p), b)] }
            for p in c.dirs where p.hasPrefix(fromDir) { notes += [c.unmkdir(p, b), c.mkdir(moved(p), b)] }
            for (p, f) in c.files where p.hasPrefix(fromDir) {
                let q = moved(p)
                c.files[p] = nil
                f.path = q
                c.files[q] = f
                // The old name is deleted too, as in moveStaged: a commit since the move may have recorded it.
                notes += [c.undelete(q, b), c.delete(p, b)]
            }
            journaled(notes)
            branches[b] = c
        }
    }

    // MARK: - Commits

    /// After a change: commits soon (closes close together share one commit), unless commits wait for unmount.
    func changed(_ b: Branch) {
        guard fs.configuration.commitPolicy == .close else { return }
        let start: Bool = locked {
            guard branches[b] != nil, branches[b]!.scheduled == false else { return false }
            branches[b]!.scheduled = true
            return true
        }
        guard start else { return }
        let delay = fs.configuration.commitDelaySeconds
        Task {
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            locked { branches[b]?.scheduled = false }
            do {
                try await commit(b, includeOpen: false)
            } catch {
                // Tried again on their own, from 1 s to every 30 s (a full disk, a server away), and with any change.
                let wait: Double? = locked {
                    guard !stopping, var c = branches[b], !c.isEmpty, !c.retryPending else { return nil }
                    c.retryDelay = Swift.min(Swift.max(c.retryDelay * 2, 1), 30)
                    c.retryPending = true
                    branches[b] = c
                    return c.retryDelay
                }
                fs.configuration.log(
                    "cannot commit the changes to \(b.repo)@\(b.name): \(error); they stay staged and are tried again"
                        + (wait.map { " in \(Int($0)) s" } ?? ""))
                if let wait {
                    try? await Task.sleep(for: .seconds(wait))
                    let go: Bool = locked {
                        branches[b]?.retryPending = false
                        return !stopping
                    }
                    if go { changed(b) }
                }
            }
        }
    }

    /// Commits the staged changes of `b` now, after any commit in flight.
    func commit(_ b: Branch, includeOpen: Bool) async throws {
        let task: Task<Void, any Error> = locked {
            let previous = tails[b]
            let t = Task {
                _ = try? await previous?.value
                try await self.record(b, includeOpen: includeOpen)
            }
            tails[b] = t
            return t
        }
        try await task.value
    }

    /// Commits everything staged on every branch (at unmount), and removes the spare local files.
    func commitAll() async {
        let all: [Branch] = locked {
            stopping = true
            return Array(branches.keys)
        }
        for b in all {
            do {
                try await commit(b, includeOpen: true)
            } catch {
                fs.configuration.log("cannot commit the changes to \(b.repo)@\(b.name): \(error); they stay in \(directory)")
            }
        }
        journal?.close(pending: locked { hasPendingChanges })
        localFiles.drain()
    }

    /// Whether any of `paths` (files, or directory markers ending with `/`) is in the branch's HEAD.
    private func anyCommitted(_ paths: Set<String>, in b: Branch) async throws -> Bool {
        for p in paths {
            do {
                let info = try await fs.client.inspectFile(.branch(b.repo, b.name), path: p)
                if info.path == p, info.entry != nil { return true }
            } catch let e as PFSError {
                guard case .notFound = e else { throw e }
            }
        }
        return false
    }

    private func record(_ b: Branch, includeOpen: Bool) async throws {
        let (files, recorded, deleted, dirs, lost): ([(String, StagedFile, Int)], [StagedFile], Set<String>, Set<String>, [String: StagedFile]) = locked {
            guard var c = branches[b] else { return ([], [], [], [], [:]) }
            // Closed since an fsync recorded their last version: nothing more to commit.
            let recorded = c.files.filter { $0.value.writers == 0 && $0.value.version == $0.value.committedVersion }
            for p in recorded.keys { c.files[p] = nil }
            // Files that lost bytes (their writer was told) are dropped, not committed: the branch keeps what it had,
            // and the rest of its changes commit without them.
            let lost = c.files.filter { $0.value.damageErrno != nil && (includeOpen || $0.value.writers == 0) }
            for p in lost.keys { c.files[p] = nil }
            branches[b] = c
            let files = c.files.compactMap { (p, f) in includeOpen || f.writers == 0 ? (p, f, f.version) : nil }
            // Until this commit has read them, a reopen writes into a copy and a discard waits.
            for (_, f, _) in files { f.beginCommitRead() }
            return (files, Array(recorded.values) + Array(lost.values), c.deleted, c.dirs, lost)
        }
        defer { for (_, f, _) in files { f.endCommitRead() } }
        for (p, f) in lost {
            fs.configuration.log(
                "'\(p)' in \(b.repo)@\(b.name) lost bytes when the store failed (\(String(cString: strerror(f.damageErrno ?? EIO))), as its writer was told): dropped, not committed")
        }
        for f in recorded { f.discard() }
        if files.isEmpty && deleted.isEmpty && dirs.isEmpty { return }
        let client = fs.client
        let opCount = files.count + dirs.count + (deleted.isEmpty ? 0 : 1)
        var target = CommitRef.branch(b.repo, b.name)
        var open: CommitID?
        // A file streamed by a put is put to the branch: an open commit takes it together with its final mtime.
        let streamed = files.contains { $0.1.isStreamingPut }
        if opCount > 1 || streamed, let c = try? await client.startCommit(b.repo, branch: b.name, parent: nil, description: "pachs3 mount") {
            open = c.id
            target = .commit(b.repo, c.id)
        }
        var last: CommitID?
        do {
            if !deleted.isEmpty {
                var paths = deleted.filter { d in !files.contains { $0.0 == d } }
                // Deletions alone (of a file made and removed or renamed before any commit recorded it) commit only
                // when there is something to delete: deleting what is not there would make an empty commit.
                if files.isEmpty && dirs.isEmpty, try await !anyCommitted(paths, in: b) { paths = [] }
                if !paths.isEmpty { last = try await client.deleteFiles(target, paths: Array(paths), prefixes: []) }
            }
            for d in dirs { last = try await client.createDirectory(target, path: d) }
            let ids = try await withThrowingTaskGroup(of: CommitID.self) { group in
                var out: [CommitID] = []
                var pending = 0
                for (p, f, _) in files {
                    if pending >= 16, let id = try await group.next() {
                        out.append(id)
                        pending -= 1
                    }
                    let mtime = Self.mtimeTag(f.mtime)
                    group.addTask { [target, openID = open, repo = b.repo, log = fs.configuration.log] in
                        if let stream = f.takeStream() {
                            // Most of its bytes are in the store already: only the tail is left.
                            do {
                                switch try await stream.finish() {
                                case .staged(let c):
                                    return try await stream.stager!.putStaged(target, path: p, staged: c.id, options: PutOptions(metadata: ["mtime": mtime]))
                                        .commit
                                case .put(let r):
                                    if stream.startMtime == mtime && (openID == nil || r.commit == openID) { return r.commit }
                                    return try await client.copyFile(
                                        from: .commit(repo, r.commit), path: p, to: target, path: p, replacing: FileAttributes(metadata: ["mtime": mtime]))
                                }
                            } catch {
                                log("the streamed put of '\(p)' stopped (\(error)); committing it from its staged copy")
                            }
                        }
                        return try await client.putFile(target, path: p, from: try await f.contents(), options: PutOptions(metadata: ["mtime": mtime])).commit
                    }
                    pending += 1
                }
                for try await id in group { out.append(id) }
                return out
            }
            last = ids.last ?? last
        } catch {
            if let open { _ = try? await client.finishCommit(.commit(b.repo, open), description: "pachs3 mount") }
            throw error
        }
        if let open { last = try await client.finishCommit(.commit(b.repo, open), description: "pachs3 mount").id }
        if let last { await fs.heads.moved(b.repo, b.name, to: last) }
        let done: [StagedFile] = locked {
            guard var c = branches[b] else { return [] }
            var done: [StagedFile] = []
            for (p, f, v) in files where c.files[p] === f && f.version == v {
                f.committedVersion = v
                if f.writers == 0 {
                    c.files[p] = nil
                    done.append(f)
                }
            }
            journaled(deleted.sorted().map { c.undelete($0, b) } + dirs.sorted().map { c.unmkdir($0, b) })
            c.retryDelay = 0
            branches[b] = c.isEmpty && !c.scheduled ? nil : c
            if !hasPendingChanges { journal?.reset() }
            return done
        }
        for f in done { f.discard() }
    }
}
