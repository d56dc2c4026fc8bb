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

    init(directory: String) { self.directory = directory }

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

    /// Removes the spare files (at unmount).
    func drain() {
        for f in spare.withLock({ files in defer { files = [] }; return files }) { Self.remove(f) }
    }

    static func remove(_ f: File) {
        Glibc.close(f.fd)
        unlink(f.path)
    }
}
