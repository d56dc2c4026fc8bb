import Foundation
import Testing

@testable import PFS

@Suite("staged content")
struct StagedContentTests {
    @Test("staged content is read back verified, put (and put again) where the caller says, and kept from collection until dropped")
    func stageReadPutDrop() async throws {
        try await withEngine("staged") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            // A large body (blob chunks, and a small tail chunk kept in memory until a commit) and a tiny one.
            let big = randomBytes(3_000_000, seed: 11), tiny = Array("tiny".utf8)
            let sBig = try await engine.stageContent(from: [Array(big[..<1_000_000]), Array(big[1_000_000...])].async)
            let sTiny = try await engine.stageContent(from: [tiny].async)
            #expect(sBig.size == UInt64(big.count) && sBig.md5 == Digest.md5(big))
            func read(_ id: String, _ offset: UInt64, _ length: UInt64?) async throws -> [UInt8] {
                var out: [UInt8] = []
                for try await piece in try engine.readStaged(id, offset: offset, length: length) { out += piece }
                return out
            }
            #expect(try await read(sBig.id, 0, nil) == big)
            #expect(try await read(sBig.id, 2_999_990, nil) == Array(big.suffix(10)))
            #expect(try await read(sBig.id, 1_000_000, 5) == Array(big[1_000_000..<1_000_005]))
            #expect(try await read(sTiny.id, 1, nil) == Array("iny".utf8))
            // Nothing is committed by staging; a collection keeps what is staged.
            await expectPFSError(.notFound) { try await engine.inspectCommit(ref) }
            _ = try await engine.garbageCollect(grace: 0)
            #expect(try await read(sBig.id, 0, nil) == big)

            let put = try await engine.putStaged(ref, path: "big", staged: sBig.id, options: PutOptions(metadata: ["k": "v"]))
            #expect(put.etag == Hex.encode(Digest.md5(big)))
            _ = try await engine.putStaged(ref, path: "copy", staged: sBig.id, options: PutOptions())
            _ = try await engine.putStaged(ref, path: "tiny", staged: sTiny.id, options: PutOptions())
            #expect(try await collect(engine.getFile(ref, path: "big")) == big)
            #expect(try await collect(engine.getFile(ref, path: "copy")) == big)
            #expect(try await collect(engine.getFile(ref, path: "tiny")) == tiny)
            #expect(try await engine.inspectFile(ref, path: "big").entry?.metadata == ["k": "v"])
            await expectPFSError(.badDigest) {
                try await engine.putStaged(ref, path: "x", staged: sTiny.id, options: PutOptions(expectedMD5: Digest.md5(big)))
            }
            _ = try await engine.putStaged(ref, path: "tiny", staged: sTiny.id, options: PutOptions(append: true))
            #expect(try await collect(engine.getFile(ref, path: "tiny")) == tiny + tiny)

            // Dropped: gone, and what no commit uses is collected.
            let orphan = try await engine.stageContent(from: [randomBytes(2_000_000, seed: 12)].async)
            for s in [sBig, sTiny, orphan] { engine.dropStaged(s.id) }
            await expectPFSError(.notFound) { try engine.readStaged(sBig.id) }
            await expectPFSError(.notFound) { try await engine.putStaged(ref, path: "y", staged: orphan.id, options: PutOptions()) }
            let report = try await engine.garbageCollect(grace: 0)
            #expect(report.blobsDeleted > 0)
            #expect(try await collect(engine.getFile(ref, path: "big")) == big)
        }
    }
}
