internal import CFuse3
import Glibc
import PFS
import PFSClient

extension MountFileSystem {
    func open(_ req: FuseRequest, ino: UInt64, fi: fuse_file_info) {
        serve(req) { [self] in
            let k = try key(ino)
            let wantsWrite = fi.flags & O_ACCMODE != O_RDONLY || fi.flags & O_TRUNC != 0
            if wantsWrite { throw FuseError(EROFS) }
            let attrs = try await attributes(k)
            guard attrs.kind == .file, case .file(let ref, let path) = k.level, let commit = attrs.commit else { throw FuseError(EISDIR) }
            let reader = RangeReader(client: client, ref: .commit(ref.repo, commit), path: path, size: attrs.size)
            var f = fi
            f.fh = handles.withLock { $0.add(.file(.reader(reader))) }
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

    func read(_ req: FuseRequest, fh: UInt64, size: Int, offset: Int) {
        serve(req) { [self] in
            switch handles.withLock({ $0.get(fh) }) {
            case .file(.reader(let r))?:
                req.bytes(try await r.read(offset: UInt64(offset), count: size))
            default:
                throw FuseError(EBADF)
            }
        }
    }

    func release(_ req: FuseRequest, fh: UInt64) {
        let h = handles.withLock { $0.remove(fh) }
        if case .file(.reader(let r))? = h { Task { await r.close() } }
        req.ok()
    }

    func flush(_ req: FuseRequest, fh: UInt64) { req.ok() }

    func fsync(_ req: FuseRequest, fh: UInt64) { req.ok() }

    func write(_ req: FuseRequest, fh: UInt64, bytes: UnsafeRawBufferPointer, offset: Int) { req.fail(EROFS) }

    func setattr(_ req: FuseRequest, ino: UInt64, attr: stat, toSet: Int32, fh: UInt64?) { req.fail(EROFS) }

    func create(_ req: FuseRequest, parent: UInt64, name: String, mode: mode_t, fi: fuse_file_info) { req.fail(EROFS) }

    func mknod(_ req: FuseRequest, parent: UInt64, name: String, mode: mode_t) { req.fail(EROFS) }

    func mkdir(_ req: FuseRequest, parent: UInt64, name: String) { req.fail(EROFS) }

    func unlink(_ req: FuseRequest, parent: UInt64, name: String) { req.fail(EROFS) }

    func rmdir(_ req: FuseRequest, parent: UInt64, name: String) { req.fail(EROFS) }

    func rename(_ req: FuseRequest, parent: UInt64, name: String, newParent: UInt64, newName: String, flags: UInt32) { req.fail(EROFS) }

    func refuseWrite(_ req: FuseRequest, parent: UInt64, errno: Int32) {
        serve(req) { [self] in throw FuseError(isReadOnly(try key(parent)) ? EROFS : errno) }
    }
}
