internal import CFuse3
import Foundation
import Glibc
import PFS
import PFSClient
import Synchronization

/// The mounted tree: answers the kernel's requests through the client API.
///
/// Every handler is called on a libfuse thread, copies what it needs, and answers from a task; all shared
/// state is behind locks or in actors.
final class MountFileSystem: Sendable {
    let client: any PFSClient
    let configuration: MountConfiguration
    let uid = getuid()
    let gid = getgid()
    let table = Mutex(InodeTable<MountPath>(root: MountPath(.root)))
    let handles = Mutex(HandleTable())
    let session = Mutex<FuseSession?>(nil)
    let loggedHidden = Mutex(Set<String>())
    let blocks: BlockCache
    let volume: VolumeStats
    let commitTimes: CommitTimes
    /// The time of directories that have no commit to take it from (the root, an empty branch).
    let mountedAt = Date()
    /// Invalidations run here, off the task pool: the kernel may make them wait for requests in flight.
    let notifyQueue = DispatchQueue(label: "pachs3.mount.invalidate")
    nonisolated(unsafe) private(set) var heads: BranchHeads!
    nonisolated(unsafe) var writes: WriteStage!

    static let snapshotCacheSeconds: Double = 365 * 86400

    init(client: any PFSClient, configuration: MountConfiguration) throws {
        self.client = client
        self.configuration = configuration
        blocks = BlockCache(capacityBytes: configuration.readCacheBytes)
        volume = VolumeStats(client: client, cacheDirectory: configuration.readOnly ? nil : configuration.cacheDirectory)
        commitTimes = CommitTimes(client: client)
        heads = BranchHeads(client: client, fallbackSeconds: min(0.25, configuration.branchCacheSeconds)) { [weak self] repo, branch, old, new in
            self?.branchMoved(repo, branch, from: old, to: new)
        }
        writes = try WriteStage(fs: self)
    }

    // MARK: - Serving requests

    /// Runs `body` in a task; a thrown error answers the request with its errno.
    func serve(_ req: FuseRequest, _ body: @escaping @Sendable () async throws -> Void) {
        Task {
            do {
                try await body()
            } catch {
                req.fail(errnoValue(for: error))
            }
        }
    }

    func key(_ ino: UInt64) throws -> MountPath {
        guard let k = table.withLock({ $0.key(of: ino) }) else { throw FuseError(ESTALE) }
        return k
    }

    func isReadOnly(_ key: MountPath) -> Bool { configuration.readOnly || key.isReadOnly }

    func cacheSeconds(_ key: MountPath) -> Double {
        guard case .file(let ref, _) = key.level else { return 1 }
        if case .branch = ref.base { return configuration.branchCacheSeconds }
        return Self.snapshotCacheSeconds
    }

    func entryParam(_ ino: UInt64, _ key: MountPath, _ attrs: NodeAttributes) -> fuse_entry_param {
        var e = fuse_entry_param()
        e.ino = ino
        e.generation = 1
        e.attr = attrs.stat(inode: ino, uid: uid, gid: gid)
        let t = cacheSeconds(key)
        e.attr_timeout = t
        e.entry_timeout = t
        return e
    }

    /// The key of `name` in the directory `parent`; ENOENT for names the mount does not show.
    func childKey(_ parent: MountPath, _ name: String) throws -> MountPath {
        guard PosixNames.isVisible(name) else { throw FuseError(ENOENT) }
        switch parent.level {
        case .root:
            guard let k = try? MountPath(parsing: "/" + name), case .repo = k.level else { throw FuseError(ENOENT) }
            return k
        case .repo(let repo):
            if name.hasPrefix("@") {
                guard let id = CommitID(String(name.dropFirst())) else { throw FuseError(ENOENT) }
                return MountPath(.file(.commit(repo, id), path: ""))
            }
            guard (try? Names.validateBranch(name)) != nil else { throw FuseError(ENOENT) }
            return MountPath(.file(.branch(repo, name), path: ""))
        case .file(let ref, let path):
            return MountPath(.file(ref, path: path.isEmpty ? name : path + "/" + name))
        }
    }

    /// The commit a ref shows now: a branch's HEAD (nil when it has none), or the commit itself.
    func commit(of ref: CommitRef) async throws -> CommitID? {
        switch ref.base {
        case .branch(let b): return try await heads.head(ref.repo, b)
        case .commit(let id), .branchCommit(_, let id): return id
        }
    }

    /// What `key` is now; throws ENOENT when it does not exist.
    func attributes(_ key: MountPath) async throws -> NodeAttributes {
        switch key.level {
        case .root:
            return .directory(readOnly: true, modified: mountedAt)
        case .repo(let repo):
            return .directory(readOnly: true, modified: try await client.inspectRepo(repo).created)
        case .file(let ref, let path):
            let ro = isReadOnly(key)
            if case .branch(let b) = ref.base, !ro, var staged = writes.staged(ref.repo, b, path) {
                // A directory may hold committed files besides the staged ones: list it at the HEAD too.
                if staged.kind == .directory {
                    staged.commit = try await commit(of: ref)
                    staged.modified = await directoryTime(ref.repo, staged.commit)
                }
                return staged
            }
            if path.isEmpty {
                if case .commit(let id) = ref.base {
                    let info = try await client.inspectCommit(ref)
                    commitTimes.note([info])
                    return .directory(commit: id, readOnly: true, modified: info.finished ?? info.started)
                }
                let head = try await commit(of: ref)
                return .directory(commit: head, readOnly: ro, modified: await directoryTime(ref.repo, head))
            }
            guard PosixNames.isVisiblePath(path) else { throw FuseError(ENOENT) }
            if case .branch(let b) = ref.base, !ro, writes.isHidden(ref.repo, b, path) { throw FuseError(ENOENT) }
            guard let id = try await commit(of: ref) else { throw FuseError(ENOENT) }
            return try await attributes(ref.repo, id, path, readOnly: ro)
        }
    }

    /// A path in a commit: a directory if anything is under `path/` (it shadows a file `path`), else the file.
    func attributes(_ repo: RepoID, _ id: CommitID, _ path: String, readOnly: Bool) async throws -> NodeAttributes {
        let cref = CommitRef.commit(repo, id)
        let info: FileInfo
        do {
            info = try await client.inspectFile(cref, path: path)
        } catch PFSError.notFound {
            throw FuseError(ENOENT)
        }
        guard info.kind == .file, let e = info.entry else { return .directory(commit: id, readOnly: readOnly, modified: await directoryTime(repo, id)) }
        // A file `a` with keys under `a/` as well: the directory shadows it.
        let page = try await client.listFiles(cref, prefix: path + "/", startAfter: nil, delimiter: "/", limit: 1)
        if !page.files.isEmpty || !page.commonPrefixes.isEmpty { return .directory(commit: id, readOnly: readOnly, modified: await directoryTime(repo, id)) }
        return .file(e, commit: id, readOnly: readOnly)
    }

    /// A directory's time: when the commit it is shown at was made (directories keep no times of their own).
    func directoryTime(_ repo: RepoID, _ commit: CommitID?) async -> Date {
        guard let commit, let t = await commitTimes.time(repo, commit) else { return mountedAt }
        return t
    }

    func logHidden(_ paths: [String]) {
        let fresh = loggedHidden.withLock { seen in
            paths.filter { p in
                guard seen.count < 10_000, !seen.contains(p) else { return false }
                seen.insert(p)
                return true
            }
        }
        for p in fresh { configuration.log("not shown in the mount (a POSIX tree cannot show this key; it is reachable through S3): '\(p)'") }
    }

    // MARK: - Names and attributes

    func lookup(_ req: FuseRequest, parent: UInt64, name: String) {
        serve(req) { [self] in
            let child = try childKey(try key(parent), name)
            let attrs = try await attributes(child)
            let ino = table.withLock { $0.lookup(child) }
            req.entry(entryParam(ino, child, attrs))
        }
    }

    func forget(_ list: [(UInt64, UInt64)]) {
        table.withLock { t in
            for (ino, n) in list { t.forget(ino, count: n) }
        }
    }

    func getattr(_ req: FuseRequest, ino: UInt64) {
        serve(req) { [self] in
            let k = try key(ino)
            let attrs: NodeAttributes
            do {
                attrs = try await attributes(k)
            } catch let e as FuseError where e.errno == ENOENT {
                guard let open = handles.withLock({ $0.openFileAttributes(inode: ino) }) else { throw e }
                attrs = open
            }
            req.attr(attrs.stat(inode: ino, uid: uid, gid: gid), timeout: cacheSeconds(k))
        }
    }

    func statfs(_ req: FuseRequest) {
        serve(req) { [self] in req.statfs(try await volume.current()) }
    }

    // MARK: - Directories

    func opendir(_ req: FuseRequest, ino: UInt64, fi: fuse_file_info) {
        serve(req) { [self] in
            let k = try key(ino)
            let parentIno: UInt64 = ino  // ".." is only used for its name by the kernel
            var dots = [
                DirectoryHandle.Entry(name: ".", key: nil, attributes: .directory(readOnly: true), fixedInode: ino),
                DirectoryHandle.Entry(name: "..", key: nil, attributes: .directory(readOnly: true), fixedInode: parentIno),
            ]
            var hide: Set<String> = []
            let source: DirectoryHandle.Source
            switch k.level {
            case .root:
                let repos = try await client.listRepos(project: nil)
                source = .fixed(
                    repos.map { r in
                        let key = MountPath(.repo(r.repo))
                        return .init(name: String(key.description.dropFirst()), key: key, attributes: .directory(readOnly: true, modified: r.created))
                    })
            case .repo(let repo):
                let branches = try await client.listBranches(repo)
                let commits = try await client.listCommits(repo, from: nil, limit: 1000)
                commitTimes.note(commits)
                let ro = configuration.readOnly
                var entries: [DirectoryHandle.Entry] = []
                for b in branches {
                    let attrs = NodeAttributes.directory(commit: b.head, readOnly: ro, modified: await directoryTime(repo, b.head))
                    entries.append(.init(name: b.name, key: MountPath(.file(.branch(repo, b.name), path: "")), attributes: attrs))
                }
                for c in commits {
                    let attrs = NodeAttributes.directory(commit: c.id, readOnly: true, modified: c.finished ?? c.started)
                    entries.append(.init(name: "@" + c.id.rawValue, key: MountPath(.file(.commit(repo, c.id), path: "")), attributes: attrs))
                }
                source = .fixed(entries)
            case .file(let ref, let path):
                // The staged changes before the HEAD: a commit moves the HEAD before it drops what it recorded.
                if case .branch(let b) = ref.base, !isReadOnly(k) {
                    let overlay = writes.overlay(ref.repo, b, path)
                    hide = overlay.hide
                    dots += overlay.extra.map { name, attrs in
                        .init(name: name, key: MountPath(.file(ref, path: path.isEmpty ? name : path + "/" + name)), attributes: attrs)
                    }
                }
                let attrs = try await attributes(k)
                guard attrs.kind == .directory else { throw FuseError(ENOTDIR) }
                // Staged directories have no commit yet: they show the time of the one they are in.
                for i in dots.indices where dots[i].attributes.kind == .directory && dots[i].attributes.modified == nil {
                    dots[i].attributes.modified = attrs.modified
                }
                source = .tree(ref: ref, commit: attrs.commit, prefix: path.isEmpty ? "" : path + "/", readOnly: isReadOnly(k), modified: attrs.modified)
            }
            let handle = DirectoryHandle(client: client, source: source, dots: dots, hide: hide) { [weak self] in self?.logHidden($0) }
            var f = fi
            f.fh = handles.withLock { $0.add(.directory(handle)) }
            // A commit never changes: the kernel may keep its listing for good. A branch directory's listing
            // is kept while the HEAD is the same and nothing is staged (changes through the mount drop the
            // kernel's copy themselves; commits from other doors move the HEAD).
            var keep = false
            if case .file(let ref, _) = k.level, case .tree(_, let commit, _, _, _) = source {
                if case .commit = ref.base {
                    keep = true
                } else {
                    let identity = dots.count == 2 && hide.isEmpty ? commit.map { "dir:" + $0.rawValue } : nil
                    keep = table.withLock { t in
                        let same = identity != nil && t.node(ino)?.contentIdentity == identity
                        t.setContentIdentity(ino, identity)
                        return same
                    }
                }
            }
            cfuse3_set_cache_readdir(&f, keep ? 1 : 0)
            cfuse3_set_keep_cache(&f, keep ? 1 : 0)
            req.open(f)
        }
    }

    func readdir(_ req: FuseRequest, ino: UInt64, size: Int, offset: Int, fh: UInt64, plus: Bool) {
        serve(req) { [self] in
            guard case .directory(let handle)? = handles.withLock({ $0.get(fh) }) else { throw FuseError(EBADF) }
            let dirKey = try key(ino)
            let list = try await handle.entries(after: offset, count: max(1, size / 48) + 1)
            var buf = [CChar](repeating: 0, count: size)
            var used = 0
            buf.withUnsafeMutableBufferPointer { b in
                for (next, e) in list {
                    let room = size - used
                    if plus {
                        let need = fuse_add_direntry_plus(req.raw, nil, 0, e.name, nil, off_t(next))
                        guard need <= room else { break }
                        let ino = e.fixedInode ?? table.withLock { $0.lookup(e.key!) }
                        var p = entryParam(ino, e.key ?? dirKey, e.attributes)
                        used += fuse_add_direntry_plus(req.raw, b.baseAddress! + used, room, e.name, &p, off_t(next))
                    } else {
                        var st = Glibc.stat()
                        st.st_ino = UInt(e.fixedInode ?? table.withLock { $0.inode(of: e.key!) } ?? Self.pseudoInode(e.key!))
                        st.st_mode = e.attributes.kind == .directory ? S_IFDIR : S_IFREG
                        let n = fuse_add_direntry(req.raw, b.baseAddress! + used, room, e.name, &st, off_t(next))
                        guard n <= room else { break }
                        used += n
                    }
                }
            }
            buf.withUnsafeBytes { req.buffer(UnsafeRawBufferPointer(rebasing: $0[0..<used])) }
        }
    }

    static func pseudoInode(_ key: MountPath) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.description.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h | (1 << 63)
    }

    func releasedir(_ fh: UInt64) {
        _ = handles.withLock { $0.remove(fh) }
    }

    // MARK: - Extended attributes

    static let xattrNames = ["user.pachs3.commit", "user.pachs3.etag", "user.pachs3.size"]

    func xattrs(_ attrs: NodeAttributes) -> [String: String] {
        var out: [String: String] = [:]
        if let e = attrs.entry {
            out["user.pachs3.commit"] = e.commit.rawValue
            out["user.pachs3.etag"] = e.etag
            out["user.pachs3.size"] = String(e.size)
        } else if attrs.kind == .directory, let c = attrs.commit {
            out["user.pachs3.commit"] = c.rawValue
        }
        return out
    }

    func getxattr(_ req: FuseRequest, ino: UInt64, name: String, size: Int) {
        // ls and cp ask every file for ACLs and security labels: answer those without a lookup. Security labels
        // (and trusted.*) are not supported at all: ls -l then stops asking after the first file, instead
        // of a round trip per file. ACLs stay ENODATA, which the kernel caches per inode (FUSE_CAP_POSIX_ACL).
        guard Self.xattrNames.contains(name) else {
            return req.fail(name.hasPrefix("security.") || name.hasPrefix("trusted.") ? EOPNOTSUPP : ENODATA)
        }
        serve(req) { [self] in
            let attrs = try await attributes(try key(ino))
            guard let value = xattrs(attrs)[name] else { throw FuseError(ENODATA) }
            let bytes = Array(value.utf8)
            if size == 0 { return req.xattrSize(bytes.count) }
            guard size >= bytes.count else { throw FuseError(ERANGE) }
            req.bytes(bytes)
        }
    }

    func listxattr(_ req: FuseRequest, ino: UInt64, size: Int) {
        serve(req) { [self] in
            let attrs = try await attributes(try key(ino))
            let present = xattrs(attrs)
            var bytes: [UInt8] = []
            for n in Self.xattrNames where present[n] != nil { bytes += Array(n.utf8) + [0] }
            if size == 0 { return req.xattrSize(bytes.count) }
            guard size >= bytes.count else { throw FuseError(ERANGE) }
            req.bytes(bytes)
        }
    }

    func refuseXattrChange(_ req: FuseRequest, ino: UInt64) {
        serve(req) { [self] in
            let k = try key(ino)
            throw FuseError(isReadOnly(k) ? EROFS : ENOTSUP)
        }
    }

    // MARK: - Following branches

    /// A branch moved (through any door): drop what the kernel caches of the paths that changed.
    func branchMoved(_ repo: RepoID, _ branch: String, from old: CommitID?, to new: CommitID?) {
        let limit = 10_000
        Task { [self] in
            var changed: [String]? = nil
            if let old, let new {
                if let diff = try? await client.diffFiles(.commit(repo, new), old: .commit(repo, old), prefix: "", limit: limit), diff.count < limit {
                    changed = diff.map(\.path)
                }
            }
            let ref = CommitRef.branch(repo, branch)
            let targets: [(UInt64, MountPath)] = table.withLock { t in
                if let changed {
                    var out: [(UInt64, MountPath)] = []
                    var seen = Set<String>()
                    for p in changed {
                        // The file and each of its directories, up to the top of the branch.
                        var path = p.hasSuffix("/") ? String(p.dropLast()) : p
                        while seen.insert(path).inserted {
                            let k = MountPath(.file(ref, path: path))
                            if let ino = t.inode(of: k) { out.append((ino, k)) }
                            if path.isEmpty { break }
                            path = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
                        }
                    }
                    return out
                }
                return t.inodes { k in
                    if case .file(let r, _) = k.level { return r == ref }
                    return false
                }
            }
            let parents: [(UInt64, String)] = table.withLock { t in
                targets.compactMap { (_, k) in
                    guard case .file(let r, let path) = k.level else { return nil }
                    // The branch's own directory, in its repo's, once the branch is gone.
                    if path.isEmpty {
                        guard new == nil, case .branch(let name) = r.base, let repoIno = t.inode(of: MountPath(.repo(r.repo))) else { return nil }
                        return (repoIno, name)
                    }
                    let slash = path.lastIndex(of: "/")
                    let parentPath = slash.map { String(path[..<$0]) } ?? ""
                    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
                    guard let pino = t.inode(of: MountPath(.file(r, path: parentPath))) else { return nil }
                    return (pino, name)
                }
            }
            guard let s = session.withLock({ $0 }) else { return }
            notifyQueue.async {
                for (ino, _) in targets { s.invalidateInode(ino) }
                for (pino, name) in parents { s.invalidateEntry(parent: pino, name: name) }
            }
        }
    }
}

/// The open files and directories, by the handle number given to the kernel.
struct HandleTable: Sendable {
    enum Handle: Sendable {
        case directory(DirectoryHandle)
        case file(OpenFile)
    }

    private var handles: [UInt64: Handle] = [:]
    /// The inode of each open file, and for a stored version what it was when opened.
    private var files: [UInt64: (inode: UInt64, version: NodeAttributes?)] = [:]
    private var next: UInt64 = 1

    mutating func add(_ h: Handle) -> UInt64 {
        let n = next
        next += 1
        handles[n] = h
        return n
    }

    /// Adds an open file of `inode`; `version` is what a stored version read by range looks like.
    mutating func add(_ file: OpenFile, inode: UInt64, version: NodeAttributes? = nil) -> UInt64 {
        let n = add(.file(file))
        files[n] = (inode, version)
        return n
    }

    func get(_ n: UInt64) -> Handle? { handles[n] }

    /// What a file of `inode` open now shows (a staged file's bytes before a stored version's), for an
    /// inode whose path is gone: a file unlinked while open stays what its descriptors read and fstat(2) describes.
    func openFileAttributes(inode: UInt64) -> NodeAttributes? {
        var stored: NodeAttributes? = nil
        for (n, f) in files where f.inode == inode {
            switch handles[n] {
            case .file(.staged(let s))?: return s.attributes(readOnly: false)
            case .file(.reader)?: stored = stored ?? f.version
            default: continue
            }
        }
        return stored
    }

    mutating func remove(_ n: UInt64) -> Handle? {
        files[n] = nil
        return handles.removeValue(forKey: n)
    }
}
