public import Foundation
import Synchronization
internal import CPFSSystem
internal import NIOPosix
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
    /// Blobs being renamed into place whose directories are not yet synced, by how many calls: another writer that
    /// finds one must sync its directory before counting on it, or its commit could outlive the blob in a crash.
    private let unsynced = Mutex([Digest: Int]())
    /// Directory syncs done for blobs that another call was still making durable.
    let borrowedSyncs = Atomic<Int>(0)
    /// Runs between the renames of a ``makeDurable(_:)`` and the syncs of their directories (tests hold it there).
    let afterRenames = Mutex<(@Sendable () async -> Void)?>(nil)
    /// Whether large blobs are written with O_DIRECT; off for good once the file system refuses it.
    private let directIO = Mutex(true)
    /// Aligned buffers for O_DIRECT writes, kept for reuse (one per I/O thread at most).
    private let scratchBuffers = Mutex<[Scratch]>([])
    static let directMinimum = 64 * 1024
    static let directAlignment = 4096
    static let directBlock = 1 << 20

    /// A store in `directory`. `directWrites: false` writes every blob through the page cache, as the store does on
    /// its own where the file system refuses O_DIRECT.
    public init(directory: String, directWrites: Bool = true) throws {
        directIO.withLock { $0 = directWrites }
        root = directory
        tmp = directory + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        for i in 0..<256 {
            let d = root + "/" + String(format: "%02x", i)
            if !FileManager.default.fileExists(atPath: d) { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        }
        try Self.syncFile(root, data: false)
    }

    deinit {
        scratchBuffers.withLock { $0.forEach { $0.pointer.deallocate() } }
    }

    private func path(_ d: Digest) -> String {
        let h = d.hex
        return root + "/" + h.prefix(2) + "/" + h
    }

    // Reads and syncs run on `io`, not on Swift's cooperative pool: that pool has one thread per core, and a read
    // from a cold disk or an fsync parked there stalls every other task of the process (measured: a cold
    // sequential read through the mount left a third of the CPU idle with four chunk loads in flight).
    private static let ioThreads = 8
    private static let io: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: ioThreads)
        pool.start()
        return pool
    }()

    // Blobs of 64 KiB and more bypass the page cache (O_DIRECT), on `io` since the write waits for the device.
    // Filling fresh page-cache pages was the largest single cost of a write here (copy_folio_from_iter: 14-55% of
    // the server's CPU through the mount; this VM's balloon reports freed pages to the host, so new ones fault
    // there), and the mount's staging file already fills the cache with the same bytes. Measured through the
    // mount, fio 1 GiB: 236-375 MiB/s buffered, 333-368 direct. The price: the first read after a write comes
    // from the device (a 256 MiB S3 GET right after its PUT: 617-1022 MiB/s vs 770-985). Smaller blobs are
    // written where the caller is, which has them in its CPU cache (moving buffered writes to `io` made a
    // 1 GiB put 15% slower).
    @discardableResult
    public func put<Bytes: BlobBytes>(_ digest: Digest, _ data: Bytes) async throws -> Bool {
        let staged: Bool
        if data.count >= Self.directMinimum, directIO.withLock({ $0 }) {
            staged = try await Self.io.runIfActive { try self.writeBlob(digest, data, direct: true) }
        } else {
            staged = try writeBlob(digest, data, direct: false)
        }
        if !staged { try await syncIfUnsynced([digest]) }
        return staged
    }

    public func touch(_ digest: Digest) async throws -> Bool {
        guard touchBlob(digest) else { return false }
        try await syncIfUnsynced([digest])
        return true
    }

    /// Syncs the directories of those `digests` that another call has renamed into place but not yet synced.
    private func syncIfUnsynced(_ digests: some Sequence<Digest>) async throws {
        let dirs = unsynced.withLock { u in Set(digests.filter { u[$0] != nil }.map { String($0.hex.prefix(2)) }) }
        guard !dirs.isEmpty else { return }
        borrowedSyncs.add(dirs.count, ordering: .relaxed)
        try await Self.onPool(dirs.sorted()) { [root] d in try Self.syncFile(root + "/" + d, data: false) }
    }

    public func get<Bytes: FillableByteChunk>(_ digest: Digest, as: Bytes.Type) async throws -> Bytes? {
        try await Self.io.runIfActive { try self.readBlob(digest, as: Bytes.self) }
    }

    public func makeDurable(_ digests: [Digest]) async throws {
        let (moves, found) = try claimStaged(digests)
        try await syncIfUnsynced(found)
        guard !moves.isEmpty else { return }
        // Marked before the renames: whoever sees one of these names meanwhile syncs its directory itself.
        unsynced.withLock { u in for m in moves { u[m.digest, default: 0] += 1 } }
        defer {
            unsynced.withLock { u in
                for m in moves {
                    if let n = u[m.digest], n > 1 { u[m.digest] = n - 1 } else { u[m.digest] = nil }
                }
            }
        }
        // Data first (each file synced on its own, several at once: a syncfs would also write back every other
        // dirty file of the file system, such as a mount's staging copy of the very bytes being committed),
        // then the names, then the directories that hold them.
        try await Self.onPool(moves) { m in try Self.syncFile(m.from, data: true) }
        try await Self.io.runIfActive {
            for m in moves {
                guard rename(m.from, m.to) == 0 else { throw Self.failure("rename \(m.from)") }
            }
        }
        if let pause = afterRenames.withLock({ $0 }) { await pause() }
        try await Self.onPool(Set(moves.map(\.dir)).sorted()) { [root] d in try Self.syncFile(root + "/" + d, data: false) }
    }

    /// Runs `body` for every element, spread over the I/O threads.
    private static func onPool<T: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) throws -> Void) async throws {
        let lanes = min(items.count, ioThreads)
        guard lanes > 1 else {
            try await io.runIfActive { for i in items { try body(i) } }
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    try await io.runIfActive {
                        for i in stride(from: lane, to: items.count, by: lanes) { try body(items[i]) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    public func discard(_ digests: [Digest]) async {
        _ = try? await Self.io.runIfActive { self.unlinkStaged(digests) }
    }

    public func list() async throws -> [(digest: Digest, modified: Date, size: UInt64)] {
        try await Self.io.runIfActive { self.listBlobs() }
    }

    public func delete(_ digest: Digest, unlessUsedAfter cutoff: Date) async throws -> Bool {
        try await Self.io.runIfActive { self.deleteBlob(digest, unlessUsedAfter: cutoff) }
    }

    public func removeStaleTemporaries(olderThan cutoff: Date) async throws -> Int {
        try await Self.io.runIfActive { self.unlinkStaleTemporaries(olderThan: cutoff) }
    }

    public func space() async throws -> StorageSpace? {
        try await Self.io.runIfActive { [root] in try StorageSpace.ofVolume(at: root) }
    }

    private static func failure(_ what: String) -> PFSError { .systemCall(what, errno: errno) }

    private func writeBlob<Bytes: BlobBytes>(_ digest: Digest, _ data: Bytes, direct: Bool) throws -> Bool {
        if access(path(digest), F_OK) == 0 { return false }
        // Written to tmp/ without a sync; makeDurable syncs and renames, so a name under ab/ always
        // holds complete, synced content even after a crash.
        let tmpPath = tmp + "/" + digest.hex + "." + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (direct ? cpfs_o_direct() : 0), 0o644)
        var wroteDirect = direct
        if fd < 0 && direct && errno == EINVAL {
            directIO.withLock { $0 = false }
            wroteDirect = false
            fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw Self.failure("cannot create \(tmpPath)") }
        defer { close(fd) }
        var done = 0
        do {
            try data.withPieces { pieces in
                if wroteDirect { done = try writeDirect(fd, pieces, tmpPath) }
                guard done < data.count else { return }
                // The unaligned tail (or all of it, where the file system refused) goes through the page cache.
                if wroteDirect { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~cpfs_o_direct()) }
                var offset = 0
                for piece in pieces {
                    let skip = Swift.min(Swift.max(done - offset, 0), piece.count)
                    try Self.writeAll(fd, UnsafeRawBufferPointer(rebasing: piece[skip...]), at: offset + skip, tmpPath)
                    offset += piece.count
                }
            }
        } catch {
            unlink(tmpPath)
            throw error
        }
        // Start writeback of what went through the page cache now, so the final sync finds little left to do.
        if done < data.count { _ = cpfs_start_writeback(fd) }
        staged.withLock { $0[digest, default: []].append(tmpPath) }
        return true
    }

    /// Writes a block-aligned prefix of the pieces with O_DIRECT and returns its length; 0 if the file system
    /// refused (from then on the store writes through the page cache).
    private func writeDirect(_ fd: Int32, _ pieces: [UnsafeRawBufferPointer], _ name: String) throws -> Int {
        guard let first = pieces.first else { return 0 }
        if Int(bitPattern: first.baseAddress) % Self.directAlignment == 0 { return try writeInPlace(fd, pieces, name) }
        return try writeThroughScratch(fd, first, name)
    }

    /// Writes the leading pieces that are aligned and whole blocks, and the block-aligned prefix of the piece after
    /// them if it is aligned, with one `pwritev` from where they are (a chunk's segments: no copy); returns the bytes.
    private func writeInPlace(_ fd: Int32, _ pieces: [UnsafeRawBufferPointer], _ name: String) throws -> Int {
        let block = Self.directAlignment
        var iov: [iovec] = []
        for p in pieces {
            let whole = p.count & ~(block - 1)
            guard Int(bitPattern: p.baseAddress) % block == 0, whole > 0 else { break }
            iov.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: p.baseAddress), iov_len: whole))
            if whole < p.count { break }
        }
        let total = iov.reduce(0) { $0 + $1.iov_len }
        var done = 0
        while done < total {
            // Past what is written: the iovecs still to go, the first one trimmed.
            var skip = done
            var first = 0
            while skip >= iov[first].iov_len {
                skip -= iov[first].iov_len
                first += 1
            }
            var rest = Array(iov[first...])
            rest[0].iov_base += skip
            rest[0].iov_len -= skip
            let r = pwritev(fd, rest, Int32(rest.count), off_t(done))
            if r < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL && done == 0 {
                    directIO.withLock { $0 = false }
                    return 0
                }
                throw Self.failure("write \(name)")
            }
            done += r
        }
        return total
    }

    /// Writes the largest block-aligned prefix of `buf` through an aligned scratch buffer and returns its length.
    private func writeThroughScratch(_ fd: Int32, _ buf: UnsafeRawBufferPointer, _ name: String) throws -> Int {
        let aligned = buf.count & ~(Self.directAlignment - 1)
        guard aligned > 0 else { return 0 }
        let scratch = scratchBuffers.withLock { $0.popLast() } ?? Scratch(pointer: .allocate(byteCount: Self.directBlock, alignment: Self.directAlignment))
        defer { scratchBuffers.withLock { if $0.count < Self.ioThreads { $0.append(scratch) } else { scratch.pointer.deallocate() } } }
        var off = 0
        while off < aligned {
            let n = min(Self.directBlock, aligned - off)
            scratch.pointer.copyMemory(from: buf.baseAddress! + off, byteCount: n)
            var written = 0
            while written < n {
                let r = pwrite(fd, scratch.pointer + written, n - written, off_t(off + written))
                if r < 0 {
                    if errno == EINTR { continue }
                    if errno == EINVAL && off == 0 && written == 0 {
                        directIO.withLock { $0 = false }
                        return 0
                    }
                    throw Self.failure("write \(name)")
                }
                written += r
            }
            off += n
        }
        return aligned
    }

    private static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at offset: Int, _ name: String) throws {
        var off = 0
        while off < buf.count {
            let n = pwrite(fd, buf.baseAddress! + off, buf.count - off, off_t(offset + off))
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write \(name)")
            }
            off += n
        }
    }

    private func touchBlob(_ digest: Digest) -> Bool {
        utimensat(AT_FDCWD, path(digest), nil, 0) == 0
    }

    private func readBlob<Bytes: FillableByteChunk>(_ digest: Digest, as: Bytes.Type) throws -> Bytes? {
        let p = path(digest)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Self.failure("open \(p)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.failure("stat \(p)") }
        let size = Int(st.st_size)
        return try Bytes(count: size) { buf in
            var off = 0
            while off < size {
                let n = read(fd, buf.baseAddress! + off, size - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure("read \(p)")
                }
                if n == 0 { throw PFSError.corrupt("blob \(digest) is shorter than its size") }
                off += n
            }
        }
    }

    private struct Move: Sendable {
        var digest: Digest
        var from: String
        var to: String
        var dir: String
    }

    /// The staged files of `digests` that become blobs, and the digests found already stored; extra copies (and
    /// copies of blobs already there) are removed.
    /// One staged copy per digest occurrence: the caller's. Copies of the same digest hold the same bytes, so any
    /// one will do, but taking all of them (as before) left a concurrent writer of the same chunk nothing to make
    /// durable, and a discard took away the copy another writer's commit was about to reference.
    private func claimStaged(_ digests: [Digest]) throws -> (moves: [Move], found: [Digest]) {
        var moves: [Move] = []
        var found: [Digest] = []
        var moving = Set<Digest>()
        for d in digests {
            let final = path(d)
            guard let p = popStaged(d) else {
                // Stored by another writer's call, or staged by this one and moved by an earlier occurrence.
                if moving.contains(d) { continue }
                guard access(final, F_OK) == 0 else { throw PFSError.io("blob \(d) was neither staged nor stored") }
                found.append(d)
                continue
            }
            if moving.contains(d) {
                unlink(p)
            } else if access(final, F_OK) == 0 {
                unlink(p)
                found.append(d)
            } else {
                moving.insert(d)
                moves.append(Move(digest: d, from: p, to: final, dir: String(d.hex.prefix(2))))
            }
        }
        return (moves, found)
    }

    private func popStaged(_ d: Digest) -> String? {
        staged.withLock { s in
            guard var paths = s[d], let p = paths.popLast() else { return nil }
            s[d] = paths.isEmpty ? nil : paths
            return p
        }
    }

    private static func syncFile(_ path: String, data: Bool) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("cannot open \(path)") }
        defer { close(fd) }
        guard (data ? fdatasync(fd) : fsync(fd)) == 0 else { throw failure("\(data ? "fdatasync" : "fsync") \(path)") }
    }

    private func unlinkStaged(_ digests: [Digest]) {
        for d in digests {
            if let p = popStaged(d) { unlink(p) }
        }
    }

    private func listBlobs() -> [(digest: Digest, modified: Date, size: UInt64)] {
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

    private func deleteBlob(_ digest: Digest, unlessUsedAfter cutoff: Date) -> Bool {
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

    private func unlinkStaleTemporaries(olderThan cutoff: Date) -> Int {
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

/// An aligned scratch buffer; only the thread that took it from the pool uses it until it is returned.
private struct Scratch: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
