import Foundation
import Glibc
import PFS
import PFSClient

/// The bytes of a staged file streamed into the store while the file is written strictly sequentially, so
/// that its commit only waits for the tail.
///
/// The put reads the staged file itself, up to what has been written, and waits for more; it ends only when
/// ``finish()`` says so (from a commit, which records the result). ``abort()`` makes the body throw, so the
/// store commits nothing of it; the staged file keeps every byte and is committed the ordinary way.
final class StreamingPut: @unchecked Sendable {
    /// The mtime the put was started with (a commit replaces it when the file changed since).
    let startMtime: String
    private let lock = NSLock()
    private var available: UInt64
    private var end: UInt64?
    private var aborted = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var task: Task<PutResult, any Error>?

    /// Starts putting the file at `path` of branch `b` from `fd` (a descriptor of its own, closed when the put ends),
    /// of which `available` bytes are written so far.
    init(client: any PFSClient, branch b: WriteStage.Branch, path: String, fd: Int32, available: UInt64, mtime: String) {
        self.available = available
        startMtime = mtime
        let body = Body(put: self, fd: fd)
        // To the branch, not a commit: the put lands in whatever commit is open on it when it ends (the commit
        // that finishes it), or makes one.
        task = Task {
            defer { Glibc.close(fd) }
            return try await client.putFile(.branch(b.repo, b.name), path: path, from: body, options: PutOptions(metadata: ["mtime": mtime]))
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// More bytes were written at the end: `total` are there now.
    func advance(to total: UInt64) {
        let w: CheckedContinuation<Void, Never>? = locked {
            guard end == nil, !aborted else { return nil }
            available = total
            defer { waiter = nil }
            return waiter
        }
        w?.resume()
    }

    /// Ends the body with what was written and waits for the put; throws if it was aborted or failed.
    func finish() async throws -> PutResult {
        let (w, t): (CheckedContinuation<Void, Never>?, Task<PutResult, any Error>?) = locked {
            if end == nil { end = available }
            defer { waiter = nil }
            return (waiter, task)
        }
        w?.resume()
        guard let t else { throw CancellationError() }
        return try await t.value
    }

    /// Makes the body throw: the store commits nothing of this put.
    func abort() {
        let w: CheckedContinuation<Void, Never>? = locked {
            aborted = true
            defer { waiter = nil }
            return waiter
        }
        w?.resume()
    }

    private enum Next {
        case bytes(UInt64)
        case end
    }

    /// How many bytes past `offset` may be read, nil at the end; waits while there are none.
    fileprivate func next(after offset: UInt64) async throws -> UInt64? {
        while true {
            let state: Next? = try locked {
                if aborted { throw PFSError.io("the streamed put was abandoned (the file was changed other than at its end, renamed, deleted or opened again)") }
                let limit = end ?? available
                if limit > offset { return .bytes(limit - offset) }
                return end != nil ? .end : nil
            }
            switch state {
            case .bytes(let n)?: return n
            case .end?: return nil
            case nil:
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now: Bool = locked {
                        if aborted || end != nil || available > offset { return true }
                        waiter = c
                        return false
                    }
                    if now { c.resume() }
                }
            }
        }
    }

    /// The staged file's bytes as they are written, in pieces of up to 1 MiB.
    struct Body: AsyncSequence, Sendable {
        typealias Element = [UInt8]
        let put: StreamingPut
        let fd: Int32

        struct AsyncIterator: AsyncIteratorProtocol {
            let put: StreamingPut
            let fd: Int32
            var offset: UInt64 = 0

            mutating func next() async throws -> [UInt8]? {
                guard let ready = try await put.next(after: offset) else { return nil }
                let want = Int(Swift.min(ready, 1 << 20))
                let at = offset
                let fd = fd
                let buf = try [UInt8](unsafeUninitializedCapacity: want) { b, count in
                    var done = 0
                    while done < want {
                        let n = pread(fd, b.baseAddress! + done, want - done, off_t(at) + off_t(done))
                        guard n > 0 else { throw PFSError.io("cannot read a staging file: \(n == 0 ? "it is shorter than written" : String(cString: strerror(errno)))") }
                        done += n
                    }
                    count = done
                }
                offset += UInt64(buf.count)
                return buf
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(put: put, fd: fd) }
    }
}
