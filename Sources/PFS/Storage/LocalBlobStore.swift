public import Foundation
import Synchronization
internal import CPFSSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blobs as files in a local directory: `ab/abcdef…` by hex digest, written to `tmp/` and renamed into place.
public final class LocalBlobStore: BlobStore {
    private let root: String
    private let tmp: String
    /// Blobs written but not yet made durable: their files in tmp/.
    private let staged = Mutex([Digest: [String]]())

    public init(directory: String) throws {
        root = directory
        tmp = directory + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        for i in 0..<256 {
            let d = root + "/" + String(format: "%02x", i)
            if !FileManager.default.fileExists(atPath: d) { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        }
        try Self.fsyncPath(root)
    }

    private func path(_ d: Digest) -> String {
        let h = d.hex
        return root + "/" + h.prefix(2) + "/" + h
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    static func fsyncPath(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw PFSError.io("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PFSError.io("fsync \(path): \(errnoText())") }
    }

    public func put(_ digest: Digest, _ data: [UInt8]) async throws {
        if access(path(digest), F_OK) == 0 { return }
        // Written to tmp/ without a sync; makeDurable syncs and renames, so a name under ab/ always
        // holds complete, synced content even after a crash.
        let tmpPath = tmp + "/" + digest.hex + "." + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PFSError.io("cannot create \(tmpPath): \(Self.errnoText())") }
        defer { close(fd) }
        do {
            try data.withUnsafeBytes { buf in
                var off = 0
                while off < buf.count {
                    let n = write(fd, buf.baseAddress! + off, buf.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw PFSError.io("write \(tmpPath): \(Self.errnoText())")
                    }
                    off += n
                }
            }
        } catch {
            unlink(tmpPath)
            throw error
        }
        // Start writeback now so the final sync finds little left to do.
        _ = cpfs_start_writeback(fd)
        staged.withLock { $0[digest, default: []].append(tmpPath) }
    }

    public func touch(_ digest: Digest) async throws -> Bool {
        utimensat(AT_FDCWD, path(digest), nil, 0) == 0
    }

    public func get(_ digest: Digest) async throws -> [UInt8]? {
        let p = path(digest)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PFSError.io("open \(p): \(Self.errnoText())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw PFSError.io("stat \(p): \(Self.errnoText())") }
        let size = Int(st.st_size)
        // Uninitialized: every byte is overwritten by read(2), so zeroing megabytes first is wasted work.
        var failure: PFSError?
        let out = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            var off = 0
            while off < size {
                let n = read(fd, buf.baseAddress! + off, size - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = PFSError.io("read \(p): \(Self.errnoText())")
                    break
                }
                if n == 0 { break }
                off += n
            }
            initialized = off
        }
        if let failure { throw failure }
        if out.count != size { throw PFSError.corrupt("blob \(digest) is shorter than its size") }
        return out
    }

    public func makeDurable(_ digests: [Digest]) async throws {
        var moves: [(from: String, to: String, dir: String)] = []
        for d in digests {
            guard let paths = staged.withLock({ $0.removeValue(forKey: d) }) else { continue }
            let final = path(d)
            for (i, p) in paths.enumerated() {
                if i > 0 || access(final, F_OK) == 0 { unlink(p) } else { moves.append((p, final, String(d.hex.prefix(2)))) }
            }
        }
        guard !moves.isEmpty else { return }
        // Many blobs: two file-system syncs (data, then the renames) cost less than a sync per file and directory.
        let batch = moves.count > 16
        if batch {
            try syncFileSystem()
        } else {
            for m in moves {
                let fd = open(m.from, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw PFSError.io("cannot open \(m.from): \(Self.errnoText())") }
                let synced = fdatasync(fd) == 0
                close(fd)
                guard synced else { throw PFSError.io("fdatasync \(m.from): \(Self.errnoText())") }
            }
        }
        for m in moves {
            guard rename(m.from, m.to) == 0 else { throw PFSError.io("rename \(m.from): \(Self.errnoText())") }
        }
        if batch {
            try syncFileSystem()
        } else {
            for d in Set(moves.map(\.dir)).sorted() { try Self.fsyncPath(root + "/" + d) }
        }
    }

    private func syncFileSystem() throws {
        let fd = open(root, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PFSError.io("cannot open \(root): \(Self.errnoText())") }
        defer { close(fd) }
        guard cpfs_syncfs(fd) == 0 else { throw PFSError.io("syncfs \(root): \(Self.errnoText())") }
    }

    public func discard(_ digests: [Digest]) async {
        for d in digests {
            for p in staged.withLock({ $0.removeValue(forKey: d) }) ?? [] { unlink(p) }
        }
    }

    public func list() async throws -> [(digest: Digest, modified: Date, size: UInt64)] {
        var out: [(digest: Digest, modified: Date, size: UInt64)] = []
        for i in 0..<256 {
            let dir = root + "/" + String(format: "%02x", i)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for n in names {
                guard let d = Digest(hex: n) else { continue }
                var st = stat()
                guard stat(dir + "/" + n, &st) == 0 else { continue }
                out.append((d, Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9), UInt64(st.st_size)))
            }
        }
        return out
    }

    public func delete(_ digest: Digest, unlessUsedAfter cutoff: Date) async throws -> Bool {
        let p = path(digest)
        // Move it aside first, then look at its time again: a writer that touched it in between wins.
        let trash = tmp + "/gc-" + digest.hex
        guard rename(p, trash) == 0 else { return false }
        var st = stat()
        if stat(trash, &st) == 0 {
            let m = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            if m > cutoff.timeIntervalSince1970 {
                rename(trash, p)
                return false
            }
        }
        unlink(trash)
        return true
    }

    public func removeStaleTemporaries(olderThan cutoff: Date) async throws -> Int {
        var n = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] {
            var st = stat()
            let p = tmp + "/" + name
            guard stat(p, &st) == 0, Double(st.st_mtim.tv_sec) < cutoff.timeIntervalSince1970 else { continue }
            if unlink(p) == 0 { n += 1 }
        }
        return n
    }
}
