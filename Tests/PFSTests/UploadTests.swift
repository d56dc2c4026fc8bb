import Foundation
import Testing

@testable import PFS

@Suite("multipart uploads")
struct UploadTests {
    @Test("parts become one file in one commit with S3's multipart ETag; GC keeps staged parts")
    func completeAndCollect() async throws {
        try await withEngine("upload") { engine, dir in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let u = try await engine.createUpload(ref, path: "big", contentType: "application/x-test", metadata: ["k": "v"])
            let p1 = randomBytes(700_000, seed: 1)
            let p2 = randomBytes(1000, seed: 2)
            let i1 = try await engine.putPart(u.id, number: 1, from: [p1].async)
            let i2 = try await engine.putPart(u.id, number: 2, from: [p2].async)
            // Staged parts survive a collection while the upload is open.
            _ = try await engine.garbageCollect(grace: 0)
            #expect(try await engine.listCommits(repo, from: nil).isEmpty)
            await expectPFSError(.invalidArgument) {
                try await engine.completeUpload(u.id, parts: [(1, i1.etag), (2, i2.etag)], minimumPartSize: 800_000)
            }
            await expectPFSError(.invalidArgument) { try await engine.completeUpload(u.id, parts: [(1, i1.etag), (2, "0000")], minimumPartSize: 0) }
            let r = try await engine.completeUpload(u.id, parts: [(1, "\"\(i1.etag)\""), (2, i2.etag)], minimumPartSize: 500_000)
            let expected = Hex.encode(Digest.md5(Hex.decode(i1.etag)! + Hex.decode(i2.etag)!)) + "-2"
            #expect(r.etag == expected)
            #expect(try await engine.listCommits(repo, from: ref).count == 1)
            let info = try await engine.inspectFile(ref, path: "big")
            #expect(info.entry?.contentType == "application/x-test")
            #expect(info.entry?.metadata == ["k": "v"])
            #expect(try await collect(engine.getFile(ref, path: "big")) == p1 + p2)
            // The part layout is kept, so one part can be read back; it survives a reopened engine.
            #expect(info.entry?.partSizes == [700_000, 1000])
            #expect(info.entry?.partRange(2).map { [$0.offset, $0.length] } == [700_000, 1000])
            #expect(info.entry?.partRange(3) == nil)
            let reopened = try PFSEngine(dataDirectory: dir)
            #expect(try await reopened.inspectFile(ref, path: "big").entry?.partSizes == [700_000, 1000])
            // An append no longer splits into the uploaded parts.
            try await put(engine, ref, "big", [1, 2, 3], append: true)
            let appended = try await engine.inspectFile(ref, path: "big").entry
            #expect(appended?.partSizes == nil && appended?.partCount == 3)
            await expectPFSError(.notFound) { try await engine.inspectUpload(u.id) }
            #expect(try await engine.checkIntegrity().problems.isEmpty)
        }
    }

    @Test("an aborted upload's data is garbage; an old one expires")
    func abortAndExpire() async throws {
        try await withEngine("upload-abort") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let a = try await engine.createUpload(ref, path: "a")
            _ = try await engine.putPart(a.id, number: 1, from: [randomBytes(600_000, seed: 3)].async)
            try await engine.abortUpload(a.id)
            let report = try await engine.garbageCollect(grace: 0)
            #expect(report.blobsDeleted >= 1)
            let b = try await engine.createUpload(ref, path: "b")
            let expired = try await engine.garbageCollect(grace: 0, uploadExpiry: -1)
            #expect(expired.uploadsExpired == 1)
            await expectPFSError(.notFound) { try await engine.inspectUpload(b.id) }
            await expectPFSError(.invalidArgument) { try await engine.createUpload(.commit(repo, .random()), path: "x") }
        }
    }

    @Test("an upload with a checksum gives each part one (computed when not sent, another algorithm refused) and the file one made from them")
    func uploadChecksums() async throws {
        try await withEngine("upload-sums") { engine, dir in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let p1 = randomBytes(700_000, seed: 3), src = randomBytes(300_000, seed: 4)
            _ = try await engine.putFile(ref, path: "src", from: [src].async)
            let whole = p1 + Array(src[1000..<201_000])
            func crc(_ b: [UInt8]) -> ContentChecksum {
                var h = ContentChecksum.Algorithm.crc32c.makeHasher()
                b.withUnsafeBytes { h.update($0) }
                return ContentChecksum(.crc32c, value: h.digest)!
            }
            #expect(UploadChecksum(.sha256, composite: false) == nil && UploadChecksum(.crc64nvme, composite: true) == nil)
            for composite in [false, true] {
                let u = try await engine.createUpload(ref, path: "big", checksum: UploadChecksum(.crc32c, composite: composite))
                // Settings and part checksums are stored: a fresh engine on the same directory reads them back.
                #expect(try await PFSEngine(dataDirectory: dir).inspectUpload(u.id).checksum == UploadChecksum(.crc32c, composite: composite))
                await expectPFSError(.invalidArgument, "a part in another algorithm") {
                    try await engine.putPart(u.id, number: 1, from: [p1].async, checksum: BodyChecksum(ContentChecksum(.crc32, value: [0, 0, 0, 0])))
                }
                let i1 = try await engine.putPart(u.id, number: 1, from: [p1].async)
                #expect(i1.checksum == crc(p1))
                let i2 = try await engine.copyPart(u.id, number: 2, from: ref, path: "src", offset: 1000, length: 200_000)
                #expect(i2.checksum == crc(Array(src[1000..<201_000])))
                #expect(try await PFSEngine(dataDirectory: dir).listParts(u.id).map(\.checksum) == [crc(p1), i2.checksum])
                let want = composite ? ContentChecksum.composite([crc(p1), i2.checksum!])! : crc(whole)
                let before = try await engine.inspectCommit(ref).id
                await expectPFSError(.badDigest) {
                    try await engine.completeUpload(u.id, parts: [(1, i1.etag), (2, i2.etag)], expectedChecksum: crc([1]), minimumPartSize: 1)
                }
                #expect(try await engine.inspectCommit(ref).id == before)
                let done = try await engine.completeUpload(u.id, parts: [(1, i1.etag), (2, i2.etag)], expectedChecksum: want, minimumPartSize: 1)
                #expect(done.checksum == want)
                let entry = try await engine.inspectFile(ref, path: "big").entry
                #expect(entry?.checksum == want && entry?.partChecksums == [crc(p1), i2.checksum!])
            }
        }
    }
}
