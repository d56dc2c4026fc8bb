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

    @Test func readsIntoTheCallersChunkTypeInProcessOrCopied() async throws {
        try await Self.withRepo { client, master in
            let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            _ = try await client.putFile(master, path: "k", bytes: body)
            let local = try await client.openFile(master, path: "k")
            // The public initializer is how other clients open files: their arrays are copied into the type asked for.
            let copied = OpenedFile(info: local.info) { offset, length in try await local.read(offset: offset, length: length) }
            for opened in [local, copied] {
                for (offset, length) in [(UInt64(0), UInt64?.none), (1, 299_998), (299_999, 1), (150_000, 0)] {
                    var got: [UInt8] = []
                    for try await piece in try await opened.read(offset: offset, length: length, as: Tail.self) { got += piece.bytes }
                    let end = length.map { Int(offset + $0) } ?? body.count
                    #expect(got == Array(body[Int(offset)..<end]))
                }
            }
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

/// A chunk type other than an array, holding the bytes `fill` wrote.
private struct Tail: FillableByteChunk {
    var bytes: [UInt8]

    init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes(fill)
    }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }
    func slice(_ range: Range<Int>) -> Tail { Tail(Array(bytes[range])) }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
}
