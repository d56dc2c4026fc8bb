import Foundation
import PFS
import PFSClient
import Testing

/// ``PFSClient/openFile(_:path:)``: one lookup, and reads of the version found whatever the branch does next.
@Suite struct OpenFileTests {
    static func bytes(_ stream: AsyncThrowingStream<[UInt8], any Error>) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await piece in stream { out += piece }
        return out
    }

    /// Runs `body` with a client on a fresh store holding repo `r`, and its master branch.
    static func withRepo(_ body: (any PFSClient, CommitRef) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-open-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client: any PFSClient = try LocalPFSClient(dataDirectory: dir)
        try await client.createRepo(RepoID("r"))
        try await body(client, .branch(RepoID("r"), "master"))
    }

    @Test func readsTheVersionFoundAfterTheBranchMoves() async throws {
        try await Self.withRepo { client, master in
            let v1 = try await client.putFile(master, path: "k", bytes: Array("version one".utf8))
            let opened = try await client.openFile(master, path: "k")
            #expect(opened.info == (try await client.inspectFile(master, path: "k")))
            #expect(opened.info.entry?.commit == v1.commit)
            // A put and a delete after the open do not change what it reads.
            _ = try await client.putFile(master, path: "k", bytes: Array("version two, longer".utf8))
            #expect(try await Self.bytes(try await opened.read()) == Array("version one".utf8))
            try await client.deleteFiles(master, paths: ["k"], prefixes: [])
            #expect(try await Self.bytes(try await opened.read(offset: 8, length: 2)) == Array("on".utf8))
            #expect(try await Self.bytes(try await opened.read(offset: 8, length: nil)) == Array("one".utf8))
            await #expect(throws: PFSError.self) { try await opened.read(offset: 12, length: nil) }
        }
    }

    @Test func directoriesAndMissingFilesFailAsInspectAndGetDo() async throws {
        try await Self.withRepo { client, master in
            _ = try await client.putFile(master, path: "d/f", bytes: Array("f".utf8))
            try await client.createDirectory(master, path: "e")

            let implicit = try await client.openFile(master, path: "d")
            #expect(implicit.info.kind == .directory && implicit.info.entry == nil && implicit.info.path == "d/")
            await #expect {
                _ = try await implicit.read()
            } throws: { e in
                if case PFSError.failedPrecondition = e { return true } else { return false }
            }
            // An explicit directory object reads as its (empty) bytes, as getFile does.
            let explicit = try await client.openFile(master, path: "e/")
            #expect(explicit.info.kind == .directory && explicit.info.entry != nil)
            #expect(try await Self.bytes(try await explicit.read()) == [])

            await #expect {
                _ = try await client.openFile(master, path: "nope")
            } throws: { e in
                if case PFSError.notFound = e { return true } else { return false }
            }
            await #expect {
                _ = try await client.openFile(.branch(master.repo, "nobranch"), path: "d/f")
            } throws: { e in
                if case PFSError.notFound = e { return true } else { return false }
            }
        }
    }
}
