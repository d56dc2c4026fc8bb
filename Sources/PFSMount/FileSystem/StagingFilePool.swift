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
    /// The mount's source, recorded with every closed staged file (see ``StagedFileRecord``).
    let source: String
    private let log: @Sendable (String) -> Void
    private let recordsFailed = Atomic<Bool>(false)
    private let spare = Mutex<[File]>([])
    /// The descriptor holding the directory's lock while this pool has it (-1: another pool has it).
    private let lock = Mutex<Int32>(-1)

    init(directory: String, source: String, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.directory = directory
        self.source = source
        self.log = log
    }

    /// Says once that closed files cannot be recorded here, so a crash would lose them.
    func recordFailed(_ error: Int32) {
        guard !recordsFailed.exchange(true, ordering: .relaxed) else { return }
        log("cannot keep extended attributes in \(directory) (\(String(cString: strerror(error)))): staged files a crash interrupts cannot be recovered from it")
    }

    /// Staging files a mount left behind.
    struct Leftovers: Sendable {
        /// Files with nothing to show where they belong (open for writing, or emptied spares): removed.
        var removed = 0
        var removedBytes: UInt64 = 0
        /// Closed files of this pool's source, opened again to be staged once more.
        var recovered: [(file: File, record: StagedFileRecord)] = []
        /// Closed files of another source's mount, left for it.
        var foreign = 0
    }

    /// Locks the directory for this pool and takes up the staging files a mount that ended without committing
    /// them left there (files named as this pool names them; nothing else is touched): closed ones of `source`
    /// are handed back to be staged again, other sources' stay, the rest are removed. While another pool holds
    /// the lock (a live mount sharing the directory) nothing is touched and the result is nil.
    func claim() -> Leftovers? {
        let fd = Glibc.open((directory as NSString).appendingPathComponent(".pachs3-stage.lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            return nil
        }
        lock.withLock { $0 = fd }
        var found = Leftovers()
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() where UUID(uuidString: name) != nil {
            let path = (directory as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            if let record = StagedFileRecord.read(path) {
                guard record.source == source else {
                    found.foreign += 1
                    continue
                }
                let file = Glibc.open(path, O_RDWR | O_CLOEXEC)
                if file >= 0 {
                    found.recovered.append((File(fd: file, path: path), record))
                    continue
                }
            }
            guard unlink(path) == 0 else { continue }
            found.removed += 1
            found.removedBytes += UInt64(st.st_size)
        }
        return found
    }

    /// An empty file: a spare one, or a new one.
    func take() throws -> File {
        if let f = spare.withLock({ $0.popLast() }) { return f }
        let path = (directory as NSString).appendingPathComponent(UUID().uuidString)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PFSError.systemCall("cannot create a staging file in \(directory)", errno: errno) }
        return File(fd: fd, path: path)
    }

    /// Takes back a file nothing reads or writes any more: emptied and kept when there is room, else removed.
    func giveBack(_ f: File) {
        // A spare must not look like a file to recover.
        StagedFileRecord.clear(f.fd)
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
