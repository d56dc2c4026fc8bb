internal import CFuse3
import Glibc

/// The libfuse low-level operation table. Every callback runs on a libfuse worker thread: it reads what it
/// needs from its arguments (valid only during the call) and hands the request to the ``MountFileSystem``,
/// which answers it later from a task. Nothing here is actor-isolated.
enum FuseOperations {
    /// The read-ahead asked of the kernel, and set on the mount's device (``KernelReadahead``).
    static let readahead: UInt32 = 1 << 20

    static func table() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = { userdata, conn in
            guard let conn else { return }
            // Large requests: fewer round trips for sequential reads and writes.
            conn.pointee.max_write = 1 << 20
            conn.pointee.max_readahead = FuseOperations.readahead
            // POSIX_ACL: the kernel caches "no ACL" per inode, so ls -l asks once, not on every run.
            let caps: [Int32] = [
                FUSE_CAP_ASYNC_READ, FUSE_CAP_READDIRPLUS, FUSE_CAP_READDIRPLUS_AUTO, FUSE_CAP_AUTO_INVAL_DATA, FUSE_CAP_ATOMIC_O_TRUNC,
                FUSE_CAP_POSIX_ACL,
            ]
            let wanted: UInt32 = caps.reduce(0) { $0 | UInt32($1) }
            conn.pointee.want |= conn.pointee.capable & wanted
            // Keep writeback caching off: a close must reach us with every byte so it can commit.
            conn.pointee.want &= ~UInt32(FUSE_CAP_WRITEBACK_CACHE)
            _ = userdata
        }
        ops.lookup = { req, parent, name in fileSystem(req).lookup(FuseRequest(raw: req!), parent: parent, name: cName(name)) }
        ops.forget = { req, ino, n in
            fileSystem(req).forget([(ino, n)])
            fuse_reply_none(req)
        }
        ops.forget_multi = { req, count, forgets in
            var list: [(UInt64, UInt64)] = []
            list.reserveCapacity(count)
            for i in 0..<count { list.append((forgets![i].ino, forgets![i].nlookup)) }
            fileSystem(req).forget(list)
            fuse_reply_none(req)
        }
        ops.getattr = { req, ino, _ in fileSystem(req).getattr(FuseRequest(raw: req!), ino: ino) }
        ops.setattr = { req, ino, attr, toSet, fi in
            fileSystem(req).setattr(FuseRequest(raw: req!), ino: ino, attr: attr!.pointee, toSet: toSet, fh: fi?.pointee.fh)
        }
        ops.opendir = { req, ino, fi in fileSystem(req).opendir(FuseRequest(raw: req!), ino: ino, fi: fi!.pointee) }
        ops.readdir = { req, ino, size, off, fi in
            fileSystem(req).readdir(FuseRequest(raw: req!), ino: ino, size: size, offset: off, fh: fi!.pointee.fh, plus: false)
        }
        ops.readdirplus = { req, ino, size, off, fi in
            fileSystem(req).readdir(FuseRequest(raw: req!), ino: ino, size: size, offset: off, fh: fi!.pointee.fh, plus: true)
        }
        ops.releasedir = { req, _, fi in
            fileSystem(req).releasedir(fi!.pointee.fh)
            fuse_reply_err(req, 0)
        }
        ops.open = { req, ino, fi in fileSystem(req).open(FuseRequest(raw: req!), ino: ino, fi: fi!.pointee) }
        ops.read = { req, _, size, off, fi in fileSystem(req).read(FuseRequest(raw: req!), fh: fi!.pointee.fh, size: size, offset: off) }
        ops.write = { req, _, buf, size, off, fi in
            fileSystem(req).write(FuseRequest(raw: req!), fh: fi!.pointee.fh, bytes: UnsafeRawBufferPointer(start: buf, count: size), offset: off)
        }
        ops.flush = { req, _, fi in fileSystem(req).flush(FuseRequest(raw: req!), fh: fi!.pointee.fh) }
        ops.fsync = { req, _, _, fi in fileSystem(req).fsync(FuseRequest(raw: req!), fh: fi!.pointee.fh) }
        ops.release = { req, _, fi in fileSystem(req).release(FuseRequest(raw: req!), fh: fi!.pointee.fh) }
        ops.create = { req, parent, name, mode, fi in
            fileSystem(req).create(FuseRequest(raw: req!), parent: parent, name: cName(name), mode: mode, fi: fi!.pointee)
        }
        ops.mknod = { req, parent, name, mode, _ in
            fileSystem(req).mknod(FuseRequest(raw: req!), parent: parent, name: cName(name), mode: mode)
        }
        ops.mkdir = { req, parent, name, _ in fileSystem(req).mkdir(FuseRequest(raw: req!), parent: parent, name: cName(name)) }
        ops.unlink = { req, parent, name in fileSystem(req).unlink(FuseRequest(raw: req!), parent: parent, name: cName(name)) }
        ops.rmdir = { req, parent, name in fileSystem(req).rmdir(FuseRequest(raw: req!), parent: parent, name: cName(name)) }
        ops.rename = { req, parent, name, newParent, newName, flags in
            fileSystem(req).rename(
                FuseRequest(raw: req!), parent: parent, name: cName(name), newParent: newParent, newName: cName(newName), flags: flags)
        }
        ops.symlink = { req, _, parent, _ in fileSystem(req).refuseWrite(FuseRequest(raw: req!), parent: parent, errno: EPERM) }
        ops.link = { req, _, parent, _ in fileSystem(req).refuseWrite(FuseRequest(raw: req!), parent: parent, errno: EPERM) }
        ops.statfs = { req, _ in fileSystem(req).statfs(FuseRequest(raw: req!)) }
        ops.getxattr = { req, ino, name, size in
            fileSystem(req).getxattr(FuseRequest(raw: req!), ino: ino, name: cName(name), size: size)
        }
        ops.listxattr = { req, ino, size in fileSystem(req).listxattr(FuseRequest(raw: req!), ino: ino, size: size) }
        ops.setxattr = { req, ino, _, _, _, _ in fileSystem(req).refuseXattrChange(FuseRequest(raw: req!), ino: ino) }
        ops.removexattr = { req, ino, _ in fileSystem(req).refuseXattrChange(FuseRequest(raw: req!), ino: ino) }
        return ops
    }
}

private func fileSystem(_ req: fuse_req_t?) -> MountFileSystem {
    Unmanaged<MountFileSystem>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
}

private func cName(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
