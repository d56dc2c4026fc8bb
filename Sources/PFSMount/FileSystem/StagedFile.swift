import Foundation
import Glibc
import PFS

/// A file being written through the mount: its bytes in a local file of the cache directory until the
/// commit that records them. Reads and writes go straight to the local file, except the bytes of a stream
/// that keeps no local copy (see ``StreamingPut``): those are read back from the store before anything needs them.
final class StagedFile: @unchecked Sendable {
    let branch: WriteStage.Branch
    private let local: StagingFilePool.File
    private let pool: StagingFilePool
    var fd: Int32 { local.fd }
    private let lock = NSLock()
    private var _path: String
    private var _writers = 0
    private var _version = 1
    private var _mtime = Date()
    private var _committedVersion = 0
    /// Bytes written strictly sequentially from offset 0 so far; nil once a write was not (or the file was
    /// filled from the store, truncated, renamed or opened a second time).
    private var sequential: UInt64? = 0
    /// The stream, while `sequential` is set; after a commit took it, a staged one stays as the store of the
    /// bytes the local file lacks.
    private var stream: StreamingPut?
    /// The end of the bytes that are only in the stream's staged content (0: none).
    private var streamedSize: UInt64 = 0
    /// Bytes were lost (they went only to the store, and could not be read back): the errno every use of the file
    /// answers from now on. Such a file is never committed.
    private var damage: Int32?
    /// Commits reading the bytes now; while one is, the stage writes a reopened file into a copy, and a
    /// discard waits for the last reader.
    private var commitReaders = 0
    private var retired = false
    private var removed = false
    /// A descriptor of the local file was handed to a stream, which may outlive the file: it is not reused.
    private var shared = false
    /// The local file carries a ``StagedFileRecord``.
    private var recorded = false
    /// Starts streaming the file into the store once `sequential` reaches the threshold (set by the stage).
    var streamStarter: (@Sendable (_ fd: Int32, _ path: String, _ written: UInt64, _ mtime: Date) -> StreamingPut?)?
    var streamThreshold: UInt64 = .max

    /// Creates an empty staged file for `path` in a local file of `pool`.
    init(path: String, branch: WriteStage.Branch, pool: StagingFilePool) throws {
        self.branch = branch
        self.pool = pool
        local = try pool.take()
        _path = path
    }

    /// Stages again, closed, a file a mount that died before committing it left (see ``StagedFileRecord``).
    init(recovered file: StagingFilePool.File, record: StagedFileRecord, pool: StagingFilePool) {
        branch = record.stageBranch
        self.pool = pool
        local = file
        _path = record.path
        _mtime = Date(timeIntervalSince1970: record.mtime)
        sequential = nil
        recorded = true
    }

    /// Keeps the record in step with the file (under the lock): there while the file is closed and the local
    /// file holds every byte, gone otherwise, so a crash never brings back a half-written file.
    private func updateRecord() {
        if _writers == 0 && !retired && damage == nil && streamedSize == 0 {
            let record = StagedFileRecord(source: pool.source, branch: branch, path: _path, mtime: _mtime)
            if let error = record.write(to: local.fd) {
                pool.recordFailed(error)
                recorded = false
            } else {
                recorded = true
            }
        } else if recorded {
            StagedFileRecord.clear(local.fd)
            recorded = false
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The path in the branch (changes on rename).
    var path: String {
        get { locked { _path } }
        set {
            // Staged content is put under whatever path the file has at its commit; a put already has its path.
            let s: StreamingPut? = locked {
                _path = newValue
                _version += 1
                if recorded { updateRecord() }
                return stream?.keepsLocalCopy == true ? stopStreaming() : nil
            }
            s?.abort()
        }
    }
    var writers: Int { locked { _writers } }
    /// Bumped by every change, so a commit knows whether it recorded the latest bytes.
    var version: Int { locked { _version } }
    var mtime: Date {
        get { locked { _mtime } }
        set {
            locked {
                _mtime = newValue
                _version += 1
                if recorded { updateRecord() }
            }
        }
    }

    /// The version the last commit recorded (an fsync commits a file that stays open).
    var committedVersion: Int {
        get { locked { _committedVersion } }
        set { locked { _committedVersion = newValue } }
    }

    func opened() {
        // Two writers may interleave: no more streaming. Staged bytes stay in the store until something needs them.
        let s: StreamingPut? = locked {
            _writers += 1
            if recorded { updateRecord() }
            guard _writers > 1 else { return nil }
            sequential = nil
            return stream?.keepsLocalCopy == true ? stopStreaming() : nil
        }
        s?.abort()
    }

    /// Ends sequential streaming (under the lock); returns the stream for ``restore(_:)``.
    private func stopStreaming() -> StreamingPut? {
        sequential = nil
        defer { stream = nil }
        return stream
    }

    /// Brings back what a stopped stream took (the bytes it kept only in the store), or abandons a put whose bytes
    /// the local file has anyway. Waits: for file-system requests' threads, never for tasks (see ``settle()``).
    private func restore(_ s: StreamingPut?) throws {
        guard let s else { return }
        if s.keepsLocalCopy { return s.abort() }
        do {
            try s.materializeWaiting(into: fd)
            locked { streamedSize = 0 }
        } catch {
            throw FuseError(lost(s, error))
        }
    }

    /// Marks the file damaged by `error` and returns the errno it answers with from now on.
    private func lost(_ s: StreamingPut, _ error: any Error) -> Int32 {
        let code = errnoValue(for: s.storeFailure ?? error)
        locked {
            if damage == nil { damage = code }
            if recorded { updateRecord() }
        }
        s.abort()
        return code
    }

    /// The errno of the failure that lost some of the file's bytes, if one did.
    var damageErrno: Int32? { locked { damage } }

    /// Brings back the bytes a stream kept only in the store, before something reads or changes the local file.
    private func materialize() throws {
        if let d = damageErrno { throw FuseError(d) }
        try restore(locked { stream == nil ? nil : stopStreaming() })
    }

    /// ``materialize()`` for tasks.
    func settle() async throws {
        if let d = damageErrno { throw FuseError(d) }
        guard let s = locked({ stream == nil ? nil : stopStreaming() }) else { return }
        if s.keepsLocalCopy { return s.abort() }
        do {
            try await s.materialize(into: fd)
            locked { streamedSize = 0 }
        } catch {
            throw FuseError(lost(s, error))
        }
    }

    /// Whether the file's bytes are being streamed into the store.
    var isStreaming: Bool { locked { stream != nil && sequential != nil } }
    /// Whether they are streamed by a put to the branch (not as staged content).
    var isStreamingPut: Bool { locked { stream?.keepsLocalCopy == true && sequential != nil } }

    /// Takes the stream for a commit to finish; the file is not streamed again after that. Staged content
    /// stays with the file (its bytes are not in the local file) until they are read back or the file is discarded.
    func takeStream() -> StreamingPut? {
        locked {
            guard let s = stream else { return nil }
            sequential = nil
            if s.keepsLocalCopy { stream = nil }
            return s
        }
    }

    /// Whether the file's bytes are being streamed as staged content that the local file does not keep.
    var isStreamingStaged: Bool { locked { stream?.keepsLocalCopy == false && sequential != nil } }

    /// At a close: ends a stream that keeps the bytes only in the store and waits until the store has them all, so
    /// that close(2) reports a store that failed them (the bytes are lost then: the file says so from now on). The
    /// commit only puts the staged content then; a later write brings the bytes back into the local file first.
    func finishStagedStream() async throws {
        let s: StreamingPut? = locked {
            guard let s = stream, !s.keepsLocalCopy, sequential != nil else { return nil }
            sequential = nil
            return s
        }
        guard let s else { return }
        do {
            _ = try await s.finish()
        } catch {
            throw FuseError(lost(s, error))
        }
    }

    /// Abandons a put to the branch (the file was deleted while open); staged content stays, as nothing commits it.
    func stopPut() {
        locked { stream?.keepsLocalCopy == true ? stopStreaming() : nil }?.abort()
    }
    /// One writer fewer; returns how many are left.
    func closed() -> Int {
        locked {
            _writers = max(0, _writers - 1)
            if _writers == 0 { updateRecord() }
            return _writers
        }
    }

    var size: UInt64 {
        var st = stat()
        let local = fstat(fd, &st) == 0 ? UInt64(st.st_size) : 0
        return Swift.max(local, locked { streamedSize })
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws -> Int {
        let now = Date()
        let at = UInt64(offset)
        // At the end of a file whose stream keeps no local copy, the bytes go to the stream only (in order: under
        // the lock). Anywhere else the stream stops first, and gives back what it took.
        let (streamed, stopped): (StreamingPut?, StreamingPut?) = try locked {
            if let d = damage { throw FuseError(d) }
            guard let s = stream else { return (nil, nil) }
            if let seq = sequential, seq == at {
                guard !s.keepsLocalCopy else { return (nil, nil) }
                let total = seq + UInt64(bytes.count)
                sequential = total
                streamedSize = Swift.max(streamedSize, total)
                _version += 1
                _mtime = now
                // The store failed mid-stream: the bytes it had are lost, and the file says so from now on.
                guard s.enqueue(Array(bytes), total: total) else {
                    let code = errnoValue(for: s.storeFailure ?? FuseError(EIO))
                    damage = code
                    throw FuseError(code)
                }
                return (s, nil)
            }
            return (nil, stopStreaming())
        }
        if let streamed {
            streamed.waitForRoom()
            return bytes.count
        }
        try restore(stopped)
        let n = pwrite(fd, bytes.baseAddress, bytes.count, off_t(offset))
        guard n >= 0 else { throw FuseError(errno) }
        let (advanced, aborted, start): (StreamingPut?, StreamingPut?, (String, UInt64)?) = locked {
            _version += 1
            _mtime = now
            guard let s = sequential else { return (nil, nil, nil) }
            // Another write at the same offset got there first: the bytes there are not known to be ours.
            guard s == at else { return (nil, stopStreaming(), nil) }
            let total = s + UInt64(n)
            sequential = total
            if let stream {
                // A put that keeps a local copy: it gets the bytes in memory too, and need not read them back.
                stream.enqueue(Array(UnsafeRawBufferPointer(rebasing: bytes[..<n])), total: total)
                return (stream, nil, nil)
            }
            return (nil, nil, total >= streamThreshold && streamStarter != nil ? (_path, total) : nil)
        }
        try restore(aborted)
        advanced?.waitForRoom()
        if let (path, total) = start { beginStream(path: path, written: total, mtime: now) }
        return n
    }

    private func beginStream(path: String, written: UInt64, mtime: Date) {
        locked { shared = true }
        let own = dup(fd)
        guard own >= 0, let starter = streamStarter, let s = starter(own, path, written, mtime) else {
            if own >= 0 { Glibc.close(own) }
            locked { sequential = nil }
            return
        }
        // A write may have come meanwhile (another thread of the same writer): keep the put only if nothing changed.
        let keep: Bool = locked {
            guard sequential == written, _path == path, stream == nil else { return false }
            stream = s
            return true
        }
        if !keep { s.abort() }
    }

    func read(count: Int, at offset: Int) throws -> [UInt8] {
        try materialize()
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n >= 0 else { throw FuseError(errno) }
        out.removeLast(count - n)
        return out
    }

    func truncate(_ size: UInt64) async throws {
        if size == 0, let s = locked({ stopStreaming() }) {
            // Nothing of the streamed bytes is kept.
            s.abort()
            locked { streamedSize = 0 }
        }
        try await settle()
        guard ftruncate(fd, off_t(size)) == 0 else { throw FuseError(errno) }
        locked { _version += 1; _mtime = Date() }
    }

    /// Appends `bytes` at the end (while filling the file from the store).
    func append(_ bytes: [UInt8]) async throws {
        try await settle()
        // At the end, not at the descriptor's position: a staging file from the pool keeps the position its
        // last user left, and writing there put that many zeros before a reopened file's bytes.
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw FuseError(errno) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, end + off_t(done)) }
            guard n > 0 else { throw FuseError(errno) }
            done += n
        }
    }

    func attributes(readOnly: Bool) -> NodeAttributes {
        NodeAttributes(kind: .file, size: size, modified: mtime, entry: nil, commit: nil, readOnly: readOnly)
    }

    /// The bytes, streamed from the local file in pieces of 1 MiB (after reading back any that a stream kept
    /// only in the store).
    func contents() async throws -> StagedFileContents {
        try await settle()
        return StagedFileContents(fd: fd)
    }

    /// Whether a commit is reading the bytes now.
    var isBeingCommitted: Bool { locked { commitReaders > 0 } }

    /// A commit starts reading the bytes (the stage calls it under its lock, with the check for writers).
    func beginCommitRead() { locked { commitReaders += 1 } }

    /// A commit is done reading; a file discarded meanwhile is removed now.
    func endCommitRead() {
        let remove: Bool = locked {
            commitReaders -= 1
            return commitReaders == 0 && retired && takeRemoval()
        }
        if remove { removeLocalFile() }
    }

    /// Removes the local file, or, while a commit reads it, as soon as that commit is done.
    func discard() {
        let (stream, now): (StreamingPut?, Bool) = locked {
            retired = true
            if recorded { updateRecord() }
            return (stopStreaming(), commitReaders == 0 && takeRemoval())
        }
        stream?.abort()
        if now { removeLocalFile() }
    }

    /// True once: the local file is removed exactly once however many discards and readers end.
    private func takeRemoval() -> Bool {
        defer { removed = true }
        return !removed
    }

    private func removeLocalFile() {
        if locked({ shared }) { StagingFilePool.remove(local) } else { pool.giveBack(local) }
    }

    /// Fills this (new, empty) file with the bytes of `other`.
    func copyContents(of other: StagedFile) async throws {
        for try await piece in try await other.contents() { try await append(piece) }
    }
}

/// The bytes of a staged file as an async sequence of pieces.
struct StagedFileContents: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let fd: Int32

    struct AsyncIterator: AsyncIteratorProtocol {
        let fd: Int32
        var offset = 0
        mutating func next() async throws -> [UInt8]? {
            // No larger than what is left (one byte more, to see the end), and not zeroed first: two 1 MiB
            // buffers zeroed for every 4 KiB file were 5% of the CPU of creating small files through the mount.
            var st = stat()
            let left = fstat(fd, &st) == 0 ? Swift.max(Int(st.st_size) - offset, 0) : 1 << 20
            let capacity = Swift.min(left + 1, 1 << 20)
            var failure: Int32 = 0
            let buf = [UInt8](unsafeUninitializedCapacity: capacity) { b, count in
                let n = pread(fd, b.baseAddress, capacity, off_t(offset))
                if n < 0 { failure = errno }
                count = Swift.max(n, 0)
            }
            guard failure == 0 else { throw PFSError.io("cannot read a staging file: \(String(cString: strerror(failure)))") }
            guard !buf.isEmpty else { return nil }
            offset += buf.count
            return buf
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(fd: fd) }
}
