import Foundation
import Glibc
import PFS
import PFSClient

/// The bytes of a staged file streamed into the store while the file is written strictly sequentially, so
/// that its commit only waits for the tail.
///
/// The bytes before `start` are read from the staged file; the writer hands later ones over in memory
/// (``enqueue(_:total:)``), and waits while ``queueLimit`` bytes are queued (``waitForRoom()``). Where they
/// end up depends on the client:
/// - one that stages content (the in-process one): the stream is staged content, and the staged file does
///   not get the bytes, which saves writing and reading them back. A commit puts the staged content; when the
///   file is changed other than at its end, ``materialize(into:)`` reads them back into the staged file.
/// - any other: the writer also keeps every byte in the staged file, and the stream is a put to the branch
///   that ends only when ``finish()`` says so (from a commit, which records the result). ``abort()`` makes the
///   body throw, so the store commits nothing of it, and the staged file is committed the ordinary way.
final class StreamingPut: @unchecked Sendable {
    /// What the streamed bytes become.
    enum Outcome {
        case staged(StagedContent)
        case put(PutResult)
    }

    /// At most this many bytes wait in memory for the store before a writer waits.
    static let queueLimit = 64 << 20

    /// Where the bytes after `start` are (nil: also in the staged file, kept by the writer).
    let stager: (any ContentStaging)?
    /// The offset from which the writer hands the bytes over.
    let start: UInt64
    /// The mtime the put was started with (a commit replaces it when the file changed since).
    let startMtime: String
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var queued = 0
    private var available: UInt64
    private var end: UInt64?
    private var aborted = false
    /// The store stopped taking the bytes (its put or staging failed): nothing drains the queue any more.
    private var failed = false
    private var failure: (any Error)?
    private var waiter: CheckedContinuation<Void, Never>?
    private var task: Task<Outcome, any Error>?

    /// Whether the staged file keeps the bytes as well.
    var keepsLocalCopy: Bool { stager == nil }

    /// Stages the bytes of the file from `fd` (a descriptor of its own, closed when the stream ends), of which
    /// `start` are written so far.
    convenience init(staging stager: any ContentStaging, fd: Int32, start: UInt64, mtime: String) {
        self.init(stager: stager, fd: fd, start: start, mtime: mtime) { body in .staged(try await stager.stageContent(from: body)) }
    }

    /// Starts putting the file at `path` of branch `b` from `fd` (a descriptor of its own, closed when the put ends),
    /// of which `start` bytes are written so far.
    convenience init(client: any PFSClient, branch b: WriteStage.Branch, path: String, fd: Int32, start: UInt64, mtime: String) {
        // To the branch, not a commit: the put lands in whatever commit is open on it when it ends (the commit
        // that finishes it), or makes one.
        self.init(stager: nil, fd: fd, start: start, mtime: mtime) { body in
            .put(try await client.putFile(.branch(b.repo, b.name), path: path, from: body, options: PutOptions(metadata: ["mtime": mtime])))
        }
    }

    private init(
        stager: (any ContentStaging)?, fd: Int32, start: UInt64, mtime: String, consume: @escaping @Sendable (Body) async throws -> Outcome
    ) {
        self.stager = stager
        self.start = start
        available = start
        startMtime = mtime
        let body = Body(put: self, fd: fd)
        task = Task {
            defer { Glibc.close(fd) }
            do {
                return try await consume(body)
            } catch {
                locked {
                    failed = true
                    failure = error
                    queue = []
                    queued = 0
                    condition.broadcast()
                }
                throw error
            }
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    /// Why the store stopped taking the bytes, once it has.
    var storeFailure: (any Error)? { locked { failure } }

    /// Hands over the bytes written at the end; `total` are written now. Called in the order of the writes
    /// (under the staged file's lock), so it never waits: ``waitForRoom()`` does, after the lock. False when
    /// the stream takes no more bytes (ended, abandoned, or failed in the store).
    @discardableResult
    func enqueue(_ bytes: [UInt8], total: UInt64) -> Bool {
        let (taken, w): (Bool, CheckedContinuation<Void, Never>?) = locked {
            guard end == nil, !aborted, !failed else { return (false, nil) }
            queue.append(bytes)
            queued += bytes.count
            available = total
            defer { waiter = nil }
            return (true, waiter)
        }
        w?.resume()
        return taken
    }

    /// Waits while the store is more than ``queueLimit`` bytes behind the writer.
    func waitForRoom() {
        condition.lock()
        while queued > Self.queueLimit, end == nil, !aborted, !failed { condition.wait() }
        condition.unlock()
    }

    /// Ends the body with what was written and waits for the stream's outcome; throws if it was aborted or failed.
    /// Called again, it returns the same outcome.
    func finish() async throws -> Outcome {
        let (w, t): (CheckedContinuation<Void, Never>?, Task<Outcome, any Error>?) = locked {
            if end == nil { end = available }
            condition.broadcast()
            defer { waiter = nil }
            return (waiter, task)
        }
        w?.resume()
        guard let t else { throw CancellationError() }
        return try await t.value
    }

    /// Makes the body throw, so the store keeps nothing of it, and lets go of content already staged.
    func abort() {
        let (w, t): (CheckedContinuation<Void, Never>?, Task<Outcome, any Error>?) = locked {
            aborted = true
            condition.broadcast()
            defer { waiter = nil }
            return (waiter, task)
        }
        w?.resume()
        guard let stager, let t else { return }
        Task {
            if case .staged(let c)? = try? await t.value { await stager.dropStaged(c.id) }
        }
    }

    /// Ends the stream and writes the bytes that went only to the store back into `fd` at their offsets, then
    /// lets the staged content go.
    func materialize(into fd: Int32) async throws {
        guard let stager else { return }
        guard case .staged(let c) = try await finish() else { throw PFSError.io("the stream is not staged content") }
        var at = start
        for try await piece in try await stager.readStaged(c.id, offset: start, length: nil) {
            try piece.withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    let n = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(at) + off_t(written))
                    guard n > 0 else { throw PFSError.systemCall("cannot write a staging file", errno: errno) }
                    written += n
                }
            }
            at += UInt64(piece.count)
        }
        guard at == c.size else { throw PFSError.io("staged content has \(c.size) bytes; \(at) were read back") }
        await stager.dropStaged(c.id)
    }

    /// ``materialize(into:)`` for a file-system request's thread, which waits for it (never a task's thread:
    /// those are few, and the work needs one).
    func materializeWaiting(into fd: Int32) throws {
        let done = DispatchSemaphore(value: 0)
        let result = LockedResult()
        Task {
            do {
                try await materialize(into: fd)
            } catch {
                result.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = result.error { throw error }
    }

    fileprivate enum Next {
        case local(UInt64)
        case memory([UInt8])
        case end
    }

    /// What follows `offset`: bytes to read from the staged file, bytes handed over, or the end; waits while
    /// there is nothing yet.
    fileprivate func next(after offset: UInt64) async throws -> Next {
        while true {
            let state: Next? = try locked {
                if aborted { throw PFSError.io("the streamed put was abandoned (the file was changed other than at its end, renamed, deleted or opened again)") }
                if offset < start { return .local(start - offset) }
                if !queue.isEmpty {
                    let b = queue.removeFirst()
                    queued -= b.count
                    condition.broadcast()
                    return .memory(b)
                }
                return end != nil ? .end : nil
            }
            if let state { return state }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now: Bool = locked {
                    if aborted || end != nil || !queue.isEmpty { return true }
                    waiter = c
                    return false
                }
                if now { c.resume() }
            }
        }
    }

    /// The staged file's bytes up to `start`, then the ones handed over, as they come.
    struct Body: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        let put: StreamingPut
        let fd: Int32

        struct AsyncIterator: AsyncIteratorProtocol {
            let put: StreamingPut
            let fd: Int32
            var offset: UInt64 = 0

            mutating func next() async throws -> [UInt8]? {
                switch try await put.next(after: offset) {
                case .end:
                    return nil
                case .memory(let bytes):
                    offset += UInt64(bytes.count)
                    return bytes
                case .local(let ready):
                    let want = Int(Swift.min(ready, 1 << 20))
                    let at = offset
                    let fd = fd
                    let buf = try [UInt8](unsafeUninitializedCapacity: want) { b, count in
                        var done = 0
                        while done < want {
                            let n = pread(fd, b.baseAddress! + done, want - done, off_t(at) + off_t(done))
                            guard n > 0 else {
                                throw PFSError.io("cannot read a staging file: \(n == 0 ? "it is shorter than written" : String(cString: strerror(errno)))")
                            }
                            done += n
                        }
                        count = done
                    }
                    offset += UInt64(buf.count)
                    return buf
                }
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(put: put, fd: fd) }
    }
}

/// The outcome of work done on another task, for a thread that waits for it.
private final class LockedResult: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    func set(_ error: (any Error)?) { lock.withLock { stored = error } }
    var error: (any Error)? { lock.withLock { stored } }
}
