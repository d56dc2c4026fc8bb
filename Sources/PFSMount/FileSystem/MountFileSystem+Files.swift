internal import CFuse3
import Foundation
import Glibc
import PFS
import PFSClient

// rename(2) flags (linux/fs.h, which Glibc does not export).
private let renameNoReplace: UInt32 = 1
private let renameExchange: UInt32 = 2

extension MountFileSystem {
    /// The branch and path of a writable node; EROFS for snapshots, the root, repos and read-only mounts.
    func writable(_ key: MountPath) throws -> (WriteStage.Branch, String) {
        guard !isReadOnly(key), case .file(let ref, let path) = key.level, case .branch(let b) = ref.base else { throw FuseError(EROFS) }
        return (WriteStage.Branch(repo: ref.repo, name: b), path)
    }

    /// The key, branch and path of entry `name` of directory `parent`, for a call that creates, removes or
    /// renames it. EROFS, whatever the name, in the root and in a repo's directory: their entries are repos,
    /// branches and commits, which the mount shows but does not make or delete.
    func writableChild(_ parent: UInt64, _ name: String) throws -> (MountPath, WriteStage.Branch, String) {
        let p = try key(parent)
        guard case .file = p.level else { throw FuseError(EROFS) }
        let k = try childKey(p, name)
        let (b, path) = try writable(k)
        return (k, b, path)
    }

    /// Attributes, or nil when the node does not exist.
    func existing(_ key: MountPath) async throws -> NodeAttributes? {
        do {
            return try await attributes(key)
        } catch let e as FuseError where e.errno == ENOENT {
            return nil
        }
    }

    func reply(_ req: FuseRequest, entryFor key: MountPath) async throws {
        let attrs = try await attributes(key)
        let ino = table.withLock { $0.lookup(key) }
        req.entry(entryParam(ino, key, attrs))
    }

    // MARK: - Open, read, write, close

    func open(_ req: FuseRequest, ino: UInt64, fi: fuse_file_info) {
        serve(req) { [self] in
            let k = try key(ino)
            let wantsWrite = fi.flags & O_ACCMODE != O_RDONLY || fi.flags & O_TRUNC != 0
            var f = fi
            if wantsWrite {
                let (b, path) = try writable(k)
                let attrs = try await attributes(k)
                guard attrs.kind == .file else { throw FuseError(EISDIR) }
                let staged = try await writes.openForWrite(b, path, truncate: fi.flags & O_TRUNC != 0, commit: attrs.commit)
                f.fh = handles.withLock { $0.add(.staged(staged), inode: ino) }
                cfuse3_set_keep_cache(&f, 0)
                if fi.flags & O_TRUNC != 0 { writes.changed(b) }
                return req.open(f)
            }
            var attrs = try await attributes(k)
            guard attrs.kind == .file, case .file(let ref, let path) = k.level else { throw FuseError(EISDIR) }
            // A staged file may be committed and dropped between the two looks: look again at what is there.
            for _ in 0..<3 {
                if case .branch(let b) = ref.base, let staged = writes.stagedFile(ref.repo, b, path) {
                    staged.opened()
                    f.fh = handles.withLock { $0.add(.staged(staged), inode: ino) }
                    cfuse3_set_keep_cache(&f, 0)
                    return req.open(f)
                }
                if attrs.commit != nil { break }
                attrs = try await attributes(k)
            }
            guard let commit = attrs.commit else { throw FuseError(ENOENT) }
            let reader = RangeReader(client: client, ref: .commit(ref.repo, commit), path: path, size: attrs.size, identity: attrs.contentIdentity, cache: blocks)
            f.fh = handles.withLock { [attrs] in $0.add(.reader(reader), inode: ino, version: attrs) }
            let identity = attrs.contentIdentity
            let keep: Bool = table.withLock { t in
                let same = t.node(ino)?.contentIdentity == identity && identity != nil
                t.setContentIdentity(ino, identity)
                return same
            }
            if case .commit = ref.base { cfuse3_set_keep_cache(&f, 1) } else { cfuse3_set_keep_cache(&f, keep ? 1 : 0) }
            req.open(f)
        }
    }

    func create(_ req: FuseRequest, parent: UInt64, name: String, mode: mode_t, fi: fuse_file_info) {
        serve(req) { [self] in
            let (k, b, path) = try writableChild(parent, name)
            if fi.flags & O_EXCL != 0, try await existing(k) != nil { throw FuseError(EEXIST) }
            let staged = try writes.create(b, path, open: true)
            let ino = table.withLock { $0.lookup(k) }
            var f = fi
            f.fh = handles.withLock { $0.add(.staged(staged), inode: ino) }
            cfuse3_set_keep_cache(&f, 0)
            let attrs = staged.attributes(readOnly: false)
            req.create(entryParam(ino, k, attrs), f)
        }
    }

    func mknod(_ req: FuseRequest, parent: UInt64, name: String, mode: mode_t) {
        serve(req) { [self] in
            let (k, b, path) = try writableChild(parent, name)
            guard mode & S_IFMT == S_IFREG else { throw FuseError(EPERM) }
            if try await existing(k) != nil { throw FuseError(EEXIST) }
            _ = try writes.create(b, path, open: false)
            writes.changed(b)
            try await reply(req, entryFor: k)
        }
    }

    func read(_ req: FuseRequest, fh: UInt64, size: Int, offset: Int) {
        switch handles.withLock({ $0.get(fh) }) {
        case .file(.staged(let f))?:
            do {
                req.bytes(try f.read(count: size, at: offset))
            } catch {
                req.fail(errnoValue(for: error))
            }
        case .file(.reader(let r))?:
            serve(req) { req.gather(try await r.read(offset: UInt64(offset), count: size)) }
        default:
            req.fail(EBADF)
        }
    }

    func write(_ req: FuseRequest, fh: UInt64, bytes: UnsafeRawBufferPointer, offset: Int) {
        guard case .file(.staged(let f))? = handles.withLock({ $0.get(fh) }) else { return req.fail(EBADF) }
        do {
            req.written(try f.write(bytes, at: offset))
        } catch {
            req.fail(errnoValue(for: error))
        }
    }

    // close(2) reports bytes lost after their write call returned: a store that failed a stream midway (a full disk).
    // Closing a streamed file waits for the store to take its last bytes (which its commit would wait for anyway).
    func flush(_ req: FuseRequest, fh: UInt64) {
        guard case .file(.staged(let f))? = handles.withLock({ $0.get(fh) }) else { return req.ok() }
        if let code = f.damageErrno { return req.fail(code) }
        guard f.isStreamingStaged else { return req.ok() }
        serve(req) {
            try await f.finishStagedStream()
            req.ok()
        }
    }

    func fsync(_ req: FuseRequest, fh: UInt64) {
        guard case .file(.staged(let f))? = handles.withLock({ $0.get(fh) }) else { return req.ok() }
        if let code = f.damageErrno { return req.fail(code) }
        serve(req) { [self] in
            try await writes.commit(f.branch, includeOpen: true)
            req.ok()
        }
    }

    func release(_ req: FuseRequest, fh: UInt64) {
        let h = handles.withLock { $0.remove(fh) }
        switch h {
        case .file(.reader(let r))?:
            Task { await r.close() }
        case .file(.staged(let f))?:
            if f.closed() == 0 {
                // Deleted or replaced while open: its bytes go nowhere.
                if writes.isStaged(f) { writes.changed(f.branch) } else { f.discard() }
            }
        default:
            break
        }
        req.ok()
    }

    // MARK: - Attributes

    func setattr(_ req: FuseRequest, ino: UInt64, attr: stat, toSet: Int32, fh: UInt64?) {
        serve(req) { [self] in
            let k = try key(ino)
            let sizeSet = toSet & FUSE_SET_ATTR_SIZE != 0
            let mtimeSet = toSet & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW) != 0
            if isReadOnly(k) { throw FuseError(EROFS) }
            let mtime =
                toSet & FUSE_SET_ATTR_MTIME_NOW != 0
                ? Date() : Date(timeIntervalSince1970: Double(attr.st_mtim.tv_sec) + Double(attr.st_mtim.tv_nsec) / 1e9)
            // ftruncate(2) or futimens(2) of a file unlinked or replaced while open: the change is its descriptors' alone.
            if sizeSet || mtimeSet, let fh, case .file(.staged(let f))? = handles.withLock({ $0.get(fh) }),
                let (b, path) = try? writable(k), writes.stagedFile(b.repo, b.name, path) !== f
            {
                if sizeSet { try await f.truncate(UInt64(attr.st_size)) }
                if mtimeSet { f.mtime = mtime }
                return req.attr(f.attributes(readOnly: false).stat(inode: ino, uid: uid, gid: gid), timeout: cacheSeconds(k))
            }
            if sizeSet || mtimeSet, case .file = try await attributes(k).kind {
                let (b, path) = try writable(k)
                var staged = sizeSet ? writes.stagedFileToResize(b.repo, b.name, path) : writes.stagedFile(b.repo, b.name, path)
                var opened = false
                if staged == nil {
                    let attrs = try await attributes(k)
                    staged = try await writes.openForWrite(
                        b, path, truncate: sizeSet && attr.st_size == 0, limit: sizeSet ? UInt64(attr.st_size) : nil, commit: attrs.commit)
                    opened = true
                }
                if sizeSet { try await staged!.truncate(UInt64(attr.st_size)) }
                if mtimeSet { staged!.mtime = mtime }
                if opened { _ = staged!.closed() }
                if staged!.writers == 0 { writes.changed(b) }
            }
            // Modes and owners are accepted: the store does not keep them.
            let attrs = try await attributes(k)
            req.attr(attrs.stat(inode: ino, uid: uid, gid: gid), timeout: cacheSeconds(k))
        }
    }

    // MARK: - Names

    func mkdir(_ req: FuseRequest, parent: UInt64, name: String) {
        serve(req) { [self] in
            let (k, b, path) = try writableChild(parent, name)
            if try await existing(k) != nil { throw FuseError(EEXIST) }
            writes.makeDirectory(b, path)
            writes.changed(b)
            try await reply(req, entryFor: k)
        }
    }

    func unlink(_ req: FuseRequest, parent: UInt64, name: String) {
        serve(req) { [self] in
            let (k, b, path) = try writableChild(parent, name)
            guard let attrs = try await existing(k) else { throw FuseError(ENOENT) }
            guard attrs.kind == .file else { throw FuseError(EISDIR) }
            writes.delete(b, path)
            writes.changed(b)
            req.ok()
        }
    }

    func rmdir(_ req: FuseRequest, parent: UInt64, name: String) {
        serve(req) { [self] in
            let (k, b, path) = try writableChild(parent, name)
            guard let attrs = try await existing(k) else { throw FuseError(ENOENT) }
            guard attrs.kind == .directory else { throw FuseError(ENOTDIR) }
            guard try await isEmptyDirectory(k) else { throw FuseError(ENOTEMPTY) }
            writes.removeDirectory(b, path)
            writes.changed(b)
            req.ok()
        }
    }

    /// Whether a directory shows no entries (committed ones not deleted, or staged ones).
    func isEmptyDirectory(_ k: MountPath) async throws -> Bool {
        guard case .file(let ref, let path) = k.level, case .branch(let b) = ref.base else { return false }
        let overlay = writes.overlay(ref.repo, b, path)
        if !overlay.extra.isEmpty { return false }
        guard let head = try await commit(of: ref) else { return true }
        let handle = DirectoryHandle(client: client, source: .tree(ref: ref, commit: head, prefix: path + "/", readOnly: false, modified: nil), dots: [], hide: overlay.hide) {
            _ in
        }
        return try await handle.entries(after: 0, count: 1).isEmpty
    }

    func rename(_ req: FuseRequest, parent: UInt64, name: String, newParent: UInt64, newName: String, flags: UInt32) {
        serve(req) { [self] in
            let (from, b, fromPath) = try writableChild(parent, name)
            let (to, b2, toPath) = try writableChild(newParent, newName)
            guard b == b2 else { throw FuseError(EXDEV) }
            if flags & renameExchange != 0 { throw FuseError(EINVAL) }
            guard let src = try await existing(from) else { throw FuseError(ENOENT) }
            if let dst = try await existing(to) {
                if flags & renameNoReplace != 0 { throw FuseError(EEXIST) }
                if dst.kind == .directory {
                    guard src.kind == .directory else { throw FuseError(EISDIR) }
                    guard try await isEmptyDirectory(to) else { throw FuseError(ENOTEMPTY) }
                } else if src.kind == .directory {
                    throw FuseError(ENOTDIR)
                }
            }
            if src.kind == .file, writes.moveStaged(b, from: fromPath, to: toPath) {
                table.withLock { $0.rekey(from, to: to) }
                writes.changed(b)
                return req.ok()
            }
            // Committed files and directories: what is staged first, then the move as one commit.
            try await writes.commit(b, includeOpen: false)
            guard let head = try await commit(of: .branch(b.repo, b.name)) else { throw FuseError(ENOENT) }
            let srcRef = CommitRef.commit(b.repo, head)
            let open = try await client.startCommit(b.repo, branch: b.name, parent: nil, description: "pachs3 mount: rename")
            let target = CommitRef.commit(b.repo, open.id)
            do {
                if src.kind == .directory {
                    if try await existing(to) != nil { try await client.deleteFiles(target, paths: [toPath + "/"], prefixes: []) }
                    try await client.copyFile(from: srcRef, path: fromPath, to: target, path: toPath)
                    try await client.deleteFiles(target, paths: [fromPath + "/"], prefixes: [fromPath + "/"])
                } else {
                    try await client.copyFile(from: srcRef, path: fromPath, to: target, path: toPath)
                    try await client.deleteFiles(target, paths: [fromPath], prefixes: [])
                }
            } catch {
                _ = try? await client.finishCommit(target, description: "pachs3 mount: rename")
                throw error
            }
            let done = try await client.finishCommit(target, description: "pachs3 mount: rename")
            await heads.moved(b.repo, b.name, to: done.id)
            if src.kind == .directory {
                writes.moveStagedTree(b, from: fromPath, to: toPath)
                writes.changed(b)
            }
            table.withLock { t in
                t.rekey(from, to: to)
                if src.kind == .directory, case .file(let ref, _) = from.level {
                    for (_, k) in t.inodes(where: { k in
                        if case .file(let r, let p) = k.level { return r == ref && p.hasPrefix(fromPath + "/") }
                        return false
                    }) {
                        guard case .file(let r, let p) = k.level else { continue }
                        t.rekey(k, to: MountPath(.file(r, path: toPath + p.dropFirst(fromPath.count))))
                    }
                }
            }
            req.ok()
        }
    }

    func refuseWrite(_ req: FuseRequest, parent: UInt64, errno: Int32) {
        serve(req) { [self] in throw FuseError(isReadOnly(try key(parent)) ? EROFS : errno) }
    }
}
