internal import CFuse3
import Foundation
import Glibc

/// A libfuse session: mounted at creation, its request loop on its own threads, unmounted once.
final class FuseSession: @unchecked Sendable {
    private let session: OpaquePointer
    private let lock = NSLock()
    private var unmounted = false
    let mountpoint: String
    /// The mount point as the kernel names it (no symbolic links), and the device of this mount there.
    private let resolved: String
    private let device: String?

    /// Creates the session with `options` (`-o` mount options) and mounts it at `mountpoint`.
    init(mountpoint: String, options: [String], userdata: UnsafeMutableRawPointer) throws {
        self.mountpoint = mountpoint
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("pachs3")]
        if !options.isEmpty {
            argv.append(strdup("-o"))
            argv.append(strdup(options.joined(separator: ",")))
        }
        argv.append(nil)
        var ops = FuseOperations.table()
        let made: OpaquePointer? = argv.withUnsafeMutableBufferPointer { buf in
            var args = fuse_args(argc: Int32(buf.count - 1), argv: buf.baseAddress, allocated: 0)
            defer { fuse_opt_free_args(&args) }
            return fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size, userdata)
        }
        for p in argv { free(p) }
        guard let made else { throw MountError("cannot start a FUSE session with options \(options.joined(separator: ","))") }
        session = made
        resolved = realpath(mountpoint, nil).map { p in defer { free(p) }; return String(cString: p) } ?? mountpoint
        guard fuse_session_mount(session, mountpoint) == 0 else {
            fuse_session_destroy(session)
            throw MountError("cannot mount at \(mountpoint): is it an existing, empty directory, and is /dev/fuse usable?")
        }
        device = MountTable.device(mountedAt: resolved)
        KernelReadahead.set(mountedAt: resolved, kib: Int(FuseOperations.readahead >> 10))
    }

    /// Serves requests on `threads` threads until the file system is unmounted; returns when the loop ends.
    func run(threads: UInt32) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                let config = fuse_loop_cfg_create()
                fuse_loop_cfg_set_max_threads(config, threads)
                fuse_loop_cfg_set_idle_threads(config, threads / 2)
                _ = cfuse3_session_loop_mt(session, config)
                fuse_loop_cfg_destroy(config)
                unmount()
                done.resume()
            }
            thread.name = "fuse-loop"
            thread.start()
        }
    }

    /// Unmounts (lazily, so open files do not keep it busy); the loop then ends. Safe to call more than once.
    func unmount() {
        lock.lock()
        defer { lock.unlock() }
        guard !unmounted else { return }
        unmounted = true
        fuse_session_exit(session)
        // A lazy unmount leaves the connection up, and the loop's threads waiting for a request that may never
        // come, for as long as any process keeps a file or its working directory in the mount. Forcing aborts
        // the connection (root only; those processes then get ENOTCONN): the loop ends now. Only while the mount
        // there is still this one: after an unmount from outside, another may have taken its place.
        if geteuid() == 0, let device, MountTable.device(mountedAt: resolved) == device {
            _ = umount2(resolved, Int32(MNT_FORCE))
        }
        fuse_session_unmount(session)
    }

    /// Tells the kernel to drop its cached attributes and data of `inode`.
    func invalidateInode(_ inode: UInt64) {
        _ = fuse_lowlevel_notify_inval_inode(session, inode, 0, 0)
    }

    /// Tells the kernel that its cached entry `name` of directory `parent` may be stale: the next path
    /// through it looks it up again and drops it only if it is gone or became something else.
    func invalidateEntry(parent: UInt64, name: String) {
        // Dropping the entry outright would disconnect a directory that is still there from every process
        // inside it: getcwd(3) then fails with ENOENT (git, pwd, make). Kernels before 6.2 cannot expire.
        let expired = name.withCString {
            fuse_lowlevel_notify_expire_entry(session, parent, $0, strlen($0), FUSE_LL_EXPIRE_ONLY)
        }
        if expired == -ENOSYS {
            _ = name.withCString { fuse_lowlevel_notify_inval_entry(session, parent, $0, strlen($0)) }
        }
    }

    deinit { fuse_session_destroy(session) }
}

/// An error setting up or running a mount, in words a user can act on.
public struct MountError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
