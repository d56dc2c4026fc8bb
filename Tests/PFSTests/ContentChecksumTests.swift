import Foundation
import PFSTestSupport
import Testing

@testable import PFS

@Suite("checksums recorded with file versions")
struct ContentChecksumTests {
    static let crc = ContentChecksum(.crc32, value: [0x0d, 0x4a, 0x11, 0x85])!

    @Test("a checksum learnt at the end of the body is kept with the version; a copy keeps it, an append drops it")
    func recordedCopiedAndDropped() async throws {
        try await withEngine("checksum") { engine, dir in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let box = BodyChecksum()
            let v1 = try await engine.putFile(
                ref, path: "k", from: TrailingBody(pieces: [Array("hello ".utf8), Array("world".utf8)], checksum: box, value: Self.crc),
                options: PutOptions(checksum: box))
            #expect(try await engine.inspectFile(ref, path: "k").entry?.checksum == Self.crc)

            try await engine.copyFile(from: ref, path: "k", to: ref, path: "copy", replacing: FileAttributes(contentType: "text/plain"))
            #expect(try await engine.inspectFile(ref, path: "copy").entry?.checksum == Self.crc)

            _ = try await engine.putFile(ref, path: "k", from: [Array("!".utf8)].async, options: PutOptions(append: true, checksum: BodyChecksum(Self.crc)))
            #expect(try await engine.inspectFile(ref, path: "k").entry?.checksum == nil)
            #expect(try await engine.inspectFile(.commit(repo, v1.commit), path: "k").entry?.checksum == Self.crc)

            // A put without a checksum has none; a fresh engine decodes what the first one wrote.
            _ = try await engine.putFile(ref, path: "plain", from: [[UInt8(1), 2, 3]].async)
            let reopened = try PFSEngine(dataDirectory: dir)
            #expect(try await reopened.inspectFile(ref, path: "plain").entry?.checksum == nil)
            #expect(try await reopened.inspectFile(ref, path: "copy").entry?.checksum == Self.crc)
        }
    }

    @Test("a copy asked for a checksum algorithm gets a whole-content checksum in it: kept, combined from part CRCs, or computed")
    func copyWithAlgorithm() async throws {
        try await withEngine("checksum-copy") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let (p1, p2) = ((0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }, (0..<90_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
            func sum(_ a: ContentChecksum.Algorithm, _ bytes: [UInt8]) -> ContentChecksum {
                var h = a.makeHasher()
                bytes.withUnsafeBytes { h.update($0) }
                return ContentChecksum(a, value: h.digest)!
            }
            // No checksum at all: computed from the bytes (several chunks of a blob-stored file).
            _ = try await engine.putFile(ref, path: "plain", from: [p1, p2].async)
            try await engine.copyFile(from: ref, path: "plain", to: ref, path: "c1", checksum: .sha256)
            #expect(try await engine.inspectFile(ref, path: "c1").entry?.checksum == sum(.sha256, p1 + p2))
            #expect(try await engine.inspectFile(ref, path: "plain").entry?.checksum == nil)
            // The same algorithm is kept as it is; another one replaces it.
            try await engine.copyFile(from: ref, path: "c1", to: ref, path: "c2", checksum: .sha256)
            #expect(try await engine.inspectFile(ref, path: "c2").entry?.checksum == sum(.sha256, p1 + p2))
            try await engine.copyFile(from: ref, path: "c1", to: ref, path: "c3", checksum: .crc64nvme)
            #expect(try await engine.inspectFile(ref, path: "c3").entry?.checksum == sum(.crc64nvme, p1 + p2))

            // A composite CRC of parts: combined from the parts' CRCs, part checksums kept.
            for (algorithm, composite) in [(ContentChecksum.Algorithm.crc32c, true), (.sha1, true)] {
                let u = try await engine.createUpload(ref, path: "mp", checksum: UploadChecksum(algorithm, composite: composite))
                let i1 = try await engine.putPart(u.id, number: 1, from: [p1].async)
                let i2 = try await engine.putPart(u.id, number: 2, from: [p2].async)
                _ = try await engine.completeUpload(u.id, parts: [(1, i1.etag), (2, i2.etag)], expectedChecksum: nil, minimumPartSize: 1)
                #expect(try await engine.inspectFile(ref, path: "mp").entry?.checksum?.parts == 2)
                try await engine.copyFile(from: ref, path: "mp", to: ref, path: "mp-copy", checksum: algorithm)
                let copy = try await engine.inspectFile(ref, path: "mp-copy").entry
                #expect(copy?.checksum == sum(algorithm, p1 + p2))
                #expect(copy?.partChecksums == [sum(algorithm, p1), sum(algorithm, p2)])
                // In another algorithm the parts' checksums no longer describe the copy.
                try await engine.copyFile(from: ref, path: "mp", to: ref, path: "mp-crc32", checksum: .crc32)
                let other = try await engine.inspectFile(ref, path: "mp-crc32").entry
                #expect(other?.checksum == sum(.crc32, p1 + p2) && other?.partChecksums == nil && other?.partSizes == [150_000, 90_000])
            }
            // Without an algorithm the copy keeps the composite checksum as it is.
            try await engine.copyFile(from: ref, path: "mp", to: ref, path: "mp-kept")
            #expect(try await engine.inspectFile(ref, path: "mp-kept").entry?.checksum?.parts == 2)
        }
    }

    @Test("entries encode their checksum (whole and composite) and decode it back; entries without one encode as before")
    func encoding() throws {
        let commit = CommitID("0123456789abcdef0123456789abcdef")!
        var plain = FileEntry(size: 3, md5: [9], etag: "e", contentType: "t", metadata: [:], commit: commit, modifiedMillis: 5, content: .chunks([]))
        var w = BinaryWriter()
        TreeNode.encode(plain, into: &w)
        // The content tag byte is the last but one (a chunk count of zero follows it): no flag bits without a checksum.
        #expect(w.bytes.suffix(2) == [0, 0])
        for c in [Self.crc, ContentChecksum(.sha256, value: Array(0..<32), parts: 12)!, ContentChecksum(.crc64nvme, value: Array(1...8))!] {
            plain.checksum = c
            var w = BinaryWriter()
            TreeNode.encode(plain, into: &w)
            var r = BinaryReader(w.bytes)
            var strings = NodeStrings()
            #expect(try TreeNode.decodeEntry(&r, strings: &strings) == plain)
        }
        // A multipart entry's part checksums follow, in the checksum's algorithm.
        plain.checksum = ContentChecksum(.crc32, value: [1, 2, 3, 4], parts: 2)
        plain.partSizes = [5, 6]
        plain.partChecksums = [Self.crc, ContentChecksum(.crc32, value: [9, 9, 9, 9])!]
        var w2 = BinaryWriter()
        TreeNode.encode(plain, into: &w2)
        var r2 = BinaryReader(w2.bytes)
        var strings2 = NodeStrings()
        #expect(try TreeNode.decodeEntry(&r2, strings: &strings2) == plain)
        #expect(ContentChecksum(.crc32, value: [1, 2, 3]) == nil)
        #expect(ContentChecksum(.sha1, value: [UInt8](repeating: 0, count: 20), parts: 0) == nil)
    }
}
