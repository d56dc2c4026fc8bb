import Foundation
import Glibc
import PFS
import Synchronization

/// The local files that hold staged content, in the cache directory, emptied and used again once their
/// content is committed or discarded instead of unlinked.
///
/// Creating and unlinking a file per staged file was the largest single cost of creating many small files
/// through the mount (ext4's inode allocation, `recently_deleted` and the inode table lookups: 12% of the
/// server's CPU for 4 KiB files); emptying one with `ftruncate` before its pages were ever written back
/// costs neither a block nor an inode.
final class StagingFilePool: Sendable {
    /// A staging file: its descriptor and path.
    struct File: Sendable {
        let fd: Int32
        let path: String
    }

    /// Empty files kept for reuse, at most this many.
    static let capacity = 64

    let directory: String
    private let spare = Mutex<[File]>([])
    /// The descriptor holding the directory's lock while this pool has it (-1: another pool has it).
    private let lock = Mutex<Int32>(-1)

    init(directory: String) { self.directory = directory }

    /// Staging files a mount left behind: their content was never committed, and nothing can name it now.
    struct Leftovers: Equatable, Sendable {
        var files = 0
        var bytes: UInt64 = 0
    }

    /// Locks the directory for this pool and removes the staging files a mount that ended without committing
    /// them left there (files named as this pool names them; nothing else is touched). While another pool
    /// holds the lock (a live mount sharing the directory) nothing is removed and the result is nil.
    func claim() -> Leftovers? {
        let fd = Glibc.open((directory as NSString).appendingPathComponent(".pachs3-stage.lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            return nil
        }
        lock.withLock { $0 = fd }
        var found = Leftovers()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where UUID(uuidString: name) != nil {
            let path = (directory as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, unlink(path) == 0 else { continue }
            found.files += 1
            found.bytes += UInt64(st.st_size)
        }
        return found
    }

    /// An empty file: a spare one, or a new one.
    func take() throws -> File {
        if let f = spare.withLock({ $0.popLast() }) { return f }
        let path = (directory as NSString).appendingPathComponent(UUID().uuidString)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PFSError.io("cannot create a staging file in \(directory): \(String(cString: strerror(errno)))") }
        return File(fd: fd, path: path)
    }

    /// Takes back a file nothing reads or writes any more: emptied and kept when there is room, else removed.
    func giveBack(_ f: File) {
        let kept = ftruncate(f.fd, 0) == 0 && spare.withLock { files -> Bool in
            guard files.count < Self.capacity else { return false }
            files.append(f)
            return true
        }
        if !kept { Self.remove(f) }
    }

    /// Removes the spare files and lets go of the directory (at unmount).
    func drain() {
        for f in spare.withLock({ files in defer { files = [] }; return files }) { Self.remove(f) }
        let fd = lock.withLock { fd in defer { fd = -1 }; return fd }
        if fd >= 0 { Glibc.close(fd) }
    }

    static func remove(_ f: File) {
        Glibc.close(f.fd)
        unlink(f.path)
    }
}
