import Foundation
import PFS
import PFSClient
import Synchronization
import Testing

@testable import PFSMount

/// The puts a staged file started.
final class Started: Sendable {
    let puts = Mutex<[StreamingPut]>([])
}

/// A staged file streamed into a real engine while it is written.
@Suite struct StreamingPutTests {
    let repo = RepoID("images")

    func withClient(_ body: (any PFSClient, String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-stream-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client: any PFSClient = try LocalPFSClient(dataDirectory: dir + "/data")
        try FileManager.default.createDirectory(atPath: dir + "/stage", withIntermediateDirectories: true)
        try await client.createRepo(repo)
        try await body(client, dir + "/stage")
    }

    /// A staged file that starts streaming at `threshold` bytes, with the puts it started: puts to the branch that keep
    /// a local copy, or with `staging`, staged content that does not.
    func stagedFile(_ client: any PFSClient, _ stage: String, threshold: UInt64, started: Started, staging: Bool = false) throws -> StagedFile {
        let b = WriteStage.Branch(repo: repo, name: "master")
        let f = try StagedFile(path: "big.bin", branch: b, pool: StagingFilePool(directory: stage, source: "test"))
        f.streamThreshold = threshold
        f.streamStarter = { fd, path, written, mtime in
            let p =
                staging
                ? StreamingPut(staging: client as! LocalPFSClient, fd: fd, start: written, mtime: WriteStage.mtimeTag(mtime))
                : StreamingPut(client: client, branch: b, path: path, fd: fd, start: written, mtime: WriteStage.mtimeTag(mtime))
            started.puts.withLock { $0.append(p) }
            return p
        }
        f.opened()
        return f
    }

    /// Runs `body` on a thread of its own, as the file system's requests run: staged files may wait there
    /// (for the store to catch up, or for bytes read back from it), which a task's thread must never do.
    func onRequestThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in Thread.detachNewThread { c.resume(with: Result { try body() }) } }
    }

    func write(_ f: StagedFile, _ bytes: [UInt8], at offset: Int) async throws {
        let n = try await onRequestThread { try bytes.withUnsafeBytes { try f.write($0, at: offset) } }
        #expect(n == bytes.count)
    }

    func read(_ f: StagedFile, count: Int, at offset: Int) async throws -> [UInt8] {
        try await onRequestThread { try f.read(count: count, at: offset) }
    }

    /// An open staged file streamed from 1 MiB on into a store that fails after two pieces, as a full disk does.
    func failingStagedFile(_ stage: String) throws -> StagedFile {
        let b = WriteStage.Branch(repo: repo, name: "master")
        let f = try StagedFile(path: "big.bin", branch: b, pool: StagingFilePool(directory: stage, source: "test"))
        f.streamThreshold = 1 << 20
        f.streamStarter = { fd, _, written, mtime in
            StreamingPut(staging: FailingStager(after: 2), fd: fd, start: written, mtime: WriteStage.mtimeTag(mtime))
        }
        f.opened()
        return f
    }

    func pattern(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }

    @Test func aSequentialFileIsStreamedAndFinishedWithItsTail() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started)
            var all: [UInt8] = []
            for i in 0..<5 {
                let piece = pattern(700_000, seed: UInt8(i))
                try await write(f, piece, at: all.count)
                all += piece
            }
            #expect(f.isStreaming)
            #expect(started.puts.withLock { $0.count } == 1)
            let put = try #require(f.takeStream())
            #expect(!f.isStreaming)
            guard case .put(let r) = try await put.finish() else { throw PFSError.io("not a put") }
            #expect(r.size == UInt64(all.count))
            #expect(try await client.readFile(.branch(repo, "master"), path: "big.bin") == all)
            #expect(try await client.inspectBranch(repo, "master").head == r.commit)
            f.discard()
        }
    }

    @Test func aWriteBackInTheFileAbortsThePutAndNothingIsCommitted() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started)
            try await write(f, pattern(3 << 20, seed: 1), at: 0)
            #expect(f.isStreaming)
            // Overwrites bytes the put may have read already.
            try await write(f, pattern(1000, seed: 9), at: 4096)
            #expect(!f.isStreaming)
            #expect(f.takeStream() == nil)
            let put = try #require(started.puts.withLock { $0.first })
            await #expect(throws: (any Error).self) { try await put.finish() }
            #expect(try await client.listBranches(repo).isEmpty)  // no commit made the branch
            // The staged copy has every byte, as written.
            var want = pattern(3 << 20, seed: 1)
            want.replaceSubrange(4096..<5096, with: pattern(1000, seed: 9))
            #expect(try await read(f, count: 4 << 20, at: 0) == want)
            f.discard()
        }
    }

    @Test func truncateRenameASecondOpenOrDiscardStopStreaming() async throws {
        try await withClient { client, stage in
            for stop in ["truncate", "rename", "open", "discard"] {
                let started = Started()
                let f = try stagedFile(client, stage, threshold: 1 << 20, started: started)
                try await write(f, pattern(2 << 20, seed: 3), at: 0)
                #expect(f.isStreaming, "\(stop)")
                switch stop {
                case "truncate": try await f.truncate(1000)
                case "rename": f.path = "other.bin"
                case "open": f.opened()
                default: f.discard()
                }
                #expect(!f.isStreaming, "\(stop)")
                let put = try #require(started.puts.withLock { $0.first })
                await #expect(throws: (any Error).self) { try await put.finish() }
                // Later writes at the end do not start another put.
                if stop != "discard" {
                    try await write(f, pattern(2 << 20, seed: 4), at: Int(f.size))
                    #expect(!f.isStreaming, "\(stop)")
                    f.discard()
                }
            }
            #expect(try await client.listBranches(repo).isEmpty)  // no commit made the branch
        }
    }

    @Test func aSmallFileIsNeverStreamed() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started)
            try await write(f, pattern(4096, seed: 1), at: 0)
            #expect(!f.isStreaming)
            #expect(started.puts.withLock { $0.isEmpty })
            f.discard()
        }
    }

    // MARK: staged content (the in-process client): the local file does without the streamed bytes

    @Test func stagedBytesSkipTheLocalFileAndTheCommitPutsThem() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started, staging: true)
            var all: [UInt8] = []
            for i in 0..<6 {
                let piece = pattern(700_000, seed: UInt8(i))
                try await write(f, piece, at: all.count)
                all += piece
            }
            #expect(f.isStreaming && f.size == UInt64(all.count))
            // Only what came before the stream started is in the local file.
            var st = stat()
            #expect(fstat(f.fd, &st) == 0 && UInt64(st.st_size) < UInt64(all.count))
            let stream = try #require(f.takeStream())
            guard case .staged(let c) = try await stream.finish() else { throw PFSError.io("not staged") }
            #expect(c.size == UInt64(all.count))
            let local = client as! LocalPFSClient
            let r = try await local.putStaged(.branch(repo, "master"), path: "big.bin", staged: c.id, options: PutOptions(metadata: ["mtime": "1"]))
            #expect(r.size == UInt64(all.count))
            #expect(try await client.readFile(.branch(repo, "master"), path: "big.bin") == all)
            // The committed file stays readable through the staged file (its bytes come back from the store), and writable.
            #expect(try await read(f, count: 100, at: all.count - 100) == Array(all.suffix(100)))
            #expect(f.size == UInt64(all.count))
            try await write(f, pattern(10, seed: 99), at: all.count)
            #expect(try await read(f, count: all.count + 10, at: 0) == all + pattern(10, seed: 99))
            f.discard()
        }
    }

    @Test func aBreakReadsTheStagedBytesBackAndTheFileIsCommittedWhole() async throws {
        try await withClient { client, stage in
            for stop in ["write back", "truncate", "open", "read", "rename"] {
                let started = Started()
                let f = try stagedFile(client, stage, threshold: 1 << 20, started: started, staging: true)
                var want = pattern(3 << 20, seed: 5)
                try await write(f, want, at: 0)
                try await write(f, pattern(1 << 20, seed: 6), at: want.count)
                want += pattern(1 << 20, seed: 6)
                #expect(f.isStreaming, "\(stop)")
                switch stop {
                case "write back":
                    try await write(f, pattern(1000, seed: 9), at: 2 << 20)
                    want.replaceSubrange((2 << 20)..<((2 << 20) + 1000), with: pattern(1000, seed: 9))
                case "truncate":
                    try await f.truncate(3_500_000)
                    want.removeLast(want.count - 3_500_000)
                case "open": f.opened()
                case "read": #expect(try await read(f, count: 10, at: 4 << 20 - 10) == Array(want.suffix(10)))
                default: f.path = "renamed.bin"  // staged content goes wherever the file is at its commit: it keeps streaming
                }
                #expect(f.isStreaming == (stop == "rename"), "\(stop)")
                // Whatever the break, the file has every byte, as written.
                let contents = try await f.contents()
                var got: [UInt8] = []
                for try await piece in contents { got += piece }
                #expect(got == want, "\(stop)")
                f.discard()
            }
            #expect(try await client.listBranches(repo).isEmpty)  // nothing was committed
        }
    }

    @Test func discardingAStagedFileLetsItsContentGo() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started, staging: true)
            try await write(f, pattern(3 << 20, seed: 7), at: 0)
            let stream = try #require(started.puts.withLock { $0.first })
            f.discard()
            await #expect(throws: (any Error).self) { try await stream.finish() }
        }
    }

    /// A close waits for the store to take the streamed bytes, so it can say when they were lost (the store's disk
    /// filled up after the writes returned): the file answers ENOSPC from then on.
    @Test func closingAStreamedFileReportsBytesTheStoreLost() async throws {
        try await withClient { client, stage in
            let f = try failingStagedFile(stage)
            try await write(f, pattern(1 << 20, seed: 1), at: 0)
            #expect(f.isStreamingStaged)
            try await write(f, pattern(1 << 20, seed: 2), at: 1 << 20)
            #expect(f.damageErrno == nil)
            do {
                try await f.finishStagedStream()
                Issue.record("the close did not report the lost bytes")
            } catch let e as FuseError {
                #expect(e.errno == ENOSPC)
            }
            #expect(f.damageErrno == ENOSPC)
            do {
                _ = try await read(f, count: 10, at: 0)
                Issue.record("a read of a file that lost bytes succeeded")
            } catch let e as FuseError {
                #expect(e.errno == ENOSPC)
            }
            f.discard()
        }
    }

    @Test func aStreamFinishedAtCloseTakesLaterWritesAfterBringingItsBytesBack() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started, staging: true)
            var want = pattern(3 << 20, seed: 11)
            try await write(f, want, at: 0)
            try await f.finishStagedStream()
            #expect(!f.isStreaming)
            try await write(f, pattern(1000, seed: 12), at: want.count)
            want += pattern(1000, seed: 12)
            var got: [UInt8] = []
            for try await piece in try await f.contents() { got += piece }
            #expect(got == want)
            f.discard()
        }
    }

    @Test func whenTheStoreFailsMidStreamWritesFailInsteadOfWaitingForever() async throws {
        try await withClient { client, stage in
            let f = try failingStagedFile(stage)
            // More than the queue holds: with nothing draining it, a writer that waited for room would wait forever.
            let piece = pattern(1 << 20, seed: 8)
            var failed = false
            for i in 0..<(StreamingPut.queueLimit >> 20) + 8 {
                do {
                    try await write(f, piece, at: i << 20)
                } catch {
                    failed = true
                    break
                }
            }
            #expect(failed)
            await #expect(throws: (any Error).self) { try await read(f, count: 10, at: 0) }
            await #expect(throws: (any Error).self) { try await f.contents() }
            f.discard()
        }
    }
}

/// Stages nothing: reads `after` pieces of the body, then fails, as a store whose disk filled up.
struct FailingStager: ContentStaging {
    let after: Int

    func stageContent<S: AsyncSequence>(from body: S) async throws -> StagedContent where S.Element: ByteChunk {
        var n = 0
        for try await _ in body {
            n += 1
            if n >= after { break }
        }
        throw PFSError.storageFull("no space left on the store")
    }
    func putStaged(_ ref: CommitRef, path: String, staged id: String, options: PutOptions) async throws -> PutResult {
        throw PFSError.notFound("staged content \(id) not found")
    }
    func readStaged(_ id: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        throw PFSError.notFound("staged content \(id) not found")
    }
    func dropStaged(_ id: String) async {}
}
