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

    /// A staged file that starts streaming at `threshold` bytes, with the puts it started.
    func stagedFile(_ client: any PFSClient, _ stage: String, threshold: UInt64, started: Started) throws -> StagedFile {
        let b = WriteStage.Branch(repo: repo, name: "master")
        let f = try StagedFile(path: "big.bin", branch: b, directory: stage)
        f.streamThreshold = threshold
        f.streamStarter = { fd, path, written, mtime in
            let p = StreamingPut(client: client, branch: b, path: path, fd: fd, available: written, mtime: WriteStage.mtimeTag(mtime))
            started.puts.withLock { $0.append(p) }
            return p
        }
        f.opened()
        return f
    }

    func write(_ f: StagedFile, _ bytes: [UInt8], at offset: Int) throws {
        let n = try bytes.withUnsafeBytes { try f.write($0, at: offset) }
        #expect(n == bytes.count)
    }

    func pattern(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }

    @Test func aSequentialFileIsStreamedAndFinishedWithItsTail() async throws {
        try await withClient { client, stage in
            let started = Started()
            let f = try stagedFile(client, stage, threshold: 1 << 20, started: started)
            var all: [UInt8] = []
            for i in 0..<5 {
                let piece = pattern(700_000, seed: UInt8(i))
                try write(f, piece, at: all.count)
                all += piece
            }
            #expect(f.isStreaming)
            #expect(started.puts.withLock { $0.count } == 1)
            let put = try #require(f.takeStream())
            #expect(!f.isStreaming)
            let r = try await put.finish()
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
            try write(f, pattern(3 << 20, seed: 1), at: 0)
            #expect(f.isStreaming)
            // Overwrites bytes the put may have read already.
            try write(f, pattern(1000, seed: 9), at: 4096)
            #expect(!f.isStreaming)
            #expect(f.takeStream() == nil)
            let put = try #require(started.puts.withLock { $0.first })
            await #expect(throws: (any Error).self) { try await put.finish() }
            #expect(try await client.listBranches(repo).isEmpty)  // no commit made the branch
            // The staged copy has every byte, as written.
            var want = pattern(3 << 20, seed: 1)
            want.replaceSubrange(4096..<5096, with: pattern(1000, seed: 9))
            #expect(try f.read(count: 4 << 20, at: 0) == want)
            f.discard()
        }
    }

    @Test func truncateRenameASecondOpenOrDiscardStopStreaming() async throws {
        try await withClient { client, stage in
            for stop in ["truncate", "rename", "open", "discard"] {
                let started = Started()
                let f = try stagedFile(client, stage, threshold: 1 << 20, started: started)
                try write(f, pattern(2 << 20, seed: 3), at: 0)
                #expect(f.isStreaming, "\(stop)")
                switch stop {
                case "truncate": try f.truncate(1000)
                case "rename": f.path = "other.bin"
                case "open": f.opened()
                default: f.discard()
                }
                #expect(!f.isStreaming, "\(stop)")
                let put = try #require(started.puts.withLock { $0.first })
                await #expect(throws: (any Error).self) { try await put.finish() }
                // Later writes at the end do not start another put.
                if stop != "discard" {
                    try write(f, pattern(2 << 20, seed: 4), at: Int(f.size))
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
            try write(f, pattern(4096, seed: 1), at: 0)
            #expect(!f.isStreaming)
            #expect(started.puts.withLock { $0.isEmpty })
            f.discard()
        }
    }
}
