import Foundation
import PFS
import PFSClient
import Testing

@testable import PFSMount

/// A staged file that a commit is recording while it is reopened, rewritten or removed.
@Suite struct CommitReadTests {
    let repo = RepoID("images")
    let branch = WriteStage.Branch(repo: RepoID("images"), name: "master")

    /// A mount file system (not mounted) over a real engine whose puts wait at a gate, and its stage directory.
    func withStage(_ body: (MountFileSystem, GatedClient, any PFSClient, String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-commitread-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine: any PFSClient = try LocalPFSClient(dataDirectory: dir + "/data")
        try await engine.createRepo(repo)
        let gated = GatedClient(base: engine)
        // Commits at unmount only: nothing commits unless the test says so.
        let fs = try MountFileSystem(client: gated, configuration: MountConfiguration(commitPolicy: .unmount, cacheDirectory: dir + "/stage"))
        try await body(fs, gated, engine, dir + "/stage")
    }

    func write(_ f: StagedFile, _ text: String, at offset: Int = 0) throws {
        let bytes = Array(text.utf8)
        #expect(try bytes.withUnsafeBytes { try f.write($0, at: offset) } == bytes.count)
    }

    func committed(_ client: any PFSClient, _ path: String) async throws -> String {
        String(decoding: try await client.readFile(.branch(repo, "master"), path: path), as: UTF8.self)
    }

    /// Whether every local file of the stage is released: emptied for reuse while mounted, removed at unmount.
    func released(_ fs: MountFileSystem, _ stage: String) async throws -> Bool {
        // The stage's lock file stays.
        func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: stage).filter { !$0.hasPrefix(".") } }
        let empty = try files().allSatisfy { try FileManager.default.attributesOfItem(atPath: stage + "/" + $0)[.size] as? Int == 0 }
        await fs.writes.commitAll()
        return try empty && files().isEmpty
    }

    /// Starts a commit of the stage and returns once its put waits at the gate.
    func startCommit(_ fs: MountFileSystem, _ gated: GatedClient) async throws -> Task<Void, any Error> {
        let commit = Task { try await fs.writes.commit(branch, includeOpen: false) }
        while !gated.puts.isWaitedOn { try await Task.sleep(for: .milliseconds(2)) }
        return commit
    }

    @Test("a file reopened while a commit records it is written into a copy: that commit keeps the bytes as closed")
    func reopenDuringCommit() async throws {
        try await withStage { fs, gated, engine, stage in
            let f = try await fs.writes.openForWrite(branch, "a.txt", truncate: true, commit: nil)
            try write(f, "old content")
            _ = f.closed()
            let commit = try await startCommit(fs, gated)

            let g = try await fs.writes.openForWrite(branch, "a.txt", truncate: false, commit: nil)
            #expect(g !== f, "the file being committed was handed to a writer")
            #expect(String(decoding: try g.read(count: 100, at: 0), as: UTF8.self) == "old content")
            try write(g, "NEW")
            _ = g.closed()
            gated.puts.open()
            try await commit.value
            #expect(try await committed(engine, "a.txt") == "old content")

            try await fs.writes.commit(branch, includeOpen: false)
            #expect(try await committed(engine, "a.txt") == "NEW content")
            // Both local copies are released once committed.
            #expect(try await released(fs, stage))
        }
    }

    @Test("reopened with O_TRUNC while a commit records it: the commit keeps the old bytes, the next one the new")
    func truncateDuringCommit() async throws {
        try await withStage { fs, gated, engine, stage in
            let f = try await fs.writes.openForWrite(branch, "b.txt", truncate: true, commit: nil)
            try write(f, "first version")
            _ = f.closed()
            let commit = try await startCommit(fs, gated)
            let g = try await fs.writes.openForWrite(branch, "b.txt", truncate: true, commit: nil)
            #expect(g.size == 0)
            try write(g, "second")
            _ = g.closed()
            gated.puts.open()
            try await commit.value
            #expect(try await committed(engine, "b.txt") == "first version")
            try await fs.writes.commit(branch, includeOpen: false)
            #expect(try await committed(engine, "b.txt") == "second")
            #expect(try await released(fs, stage))
        }
    }

    @Test("a file deleted or replaced while a commit records it stays readable until that commit is done")
    func discardDuringCommit() async throws {
        try await withStage { fs, gated, engine, stage in
            let f = try await fs.writes.openForWrite(branch, "c.txt", truncate: true, commit: nil)
            try write(f, String(repeating: "x", count: 3 << 20))
            _ = f.closed()
            let commit = try await startCommit(fs, gated)
            fs.writes.delete(branch, "c.txt")
            // Deferred: the commit still reads its bytes through the open descriptor.
            #expect(try f.read(count: 4, at: 0) == Array("xxxx".utf8))
            gated.puts.open()
            try await commit.value
            #expect(try await committed(engine, "c.txt").utf8.count == 3 << 20)
            #expect(try await released(fs, stage))
        }
    }

    @Test("truncating a closed file while a commit records it goes through a copy too")
    func resizeDuringCommit() async throws {
        try await withStage { fs, gated, engine, stage in
            let f = try await fs.writes.openForWrite(branch, "d.txt", truncate: true, commit: nil)
            try write(f, "0123456789")
            _ = f.closed()
            #expect(fs.writes.stagedFileToResize(repo, "master", "d.txt") === f)
            let commit = try await startCommit(fs, gated)
            // What setattr does: no staged file to resize in place, so it opens one for writing.
            #expect(fs.writes.stagedFileToResize(repo, "master", "d.txt") == nil)
            let g = try await fs.writes.openForWrite(branch, "d.txt", truncate: false, limit: 4, commit: nil)
            try await g.truncate(4)
            _ = g.closed()
            gated.puts.open()
            try await commit.value
            #expect(try await committed(engine, "d.txt") == "0123456789")
            try await fs.writes.commit(branch, includeOpen: false)
            #expect(try await committed(engine, "d.txt") == "0123")
            #expect(try await released(fs, stage))
        }
    }
}
