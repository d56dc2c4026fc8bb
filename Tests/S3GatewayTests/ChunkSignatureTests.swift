import Foundation
import NIOCore
import Testing
@testable import S3Gateway

/// The published AWS example of a signed `aws-chunked` upload (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`):
/// PUT /examplebucket/chunkObject.txt, 66560 bytes of 'a' in chunks of 65536, 1024 and 0 bytes.
@Suite struct ChunkSignatureTests {
    static let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    static let chunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
    static let chunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
    static let final = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"

    static let request = SignedRequest(
        method: "PUT", path: "/examplebucket/chunkObject.txt",
        headers: [
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=\(seed)"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ],
        now: SignatureV4Tests.signedAt)

    func seedSignature() throws -> VerifiedSignature {
        try SignatureV4.verify(Self.request, secretFor: SignatureV4Tests.secretFor)
    }

    @Test func seedSignatureOfTheExample() throws {
        let v = try seedSignature()
        #expect(v.seedSignature == Self.seed)
        #expect(v.amzDate == "20130524T000000Z")
        #expect(v.scope == "20130524/us-east-1/s3/aws4_request")
    }

    @Test func wholeChunks() throws {
        var c = try seedSignature().chunkVerifier()
        #expect(c.previousSignature == Self.seed)
        try c.verifyChunk(signature: Self.chunk1, data: [UInt8](repeating: UInt8(ascii: "a"), count: 65536))
        #expect(c.previousSignature == Self.chunk1)
        try c.verifyChunk(signature: Self.chunk2, data: [UInt8](repeating: UInt8(ascii: "a"), count: 1024))
        try c.verifyChunk(signature: Self.final, data: [UInt8]())
        #expect(c.previousSignature == Self.final)
        #expect(c.chunksVerified == 3)
    }

    @Test func incrementalChunks() throws {
        var c = ChunkSignatureVerifier(try seedSignature())
        c.beginChunk()
        // Uneven pieces, through each kind of update.
        c.update([UInt8](repeating: UInt8(ascii: "a"), count: 1000))
        [UInt8](repeating: UInt8(ascii: "a"), count: 30000).withUnsafeBytes { c.update($0) }
        c.update(ByteBuffer(repeating: UInt8(ascii: "a"), count: 34000))
        c.update(String(repeating: "a", count: 536).utf8)
        try c.endChunk(signature: Self.chunk1)
        c.beginChunk()
        for _ in 0..<1024 { c.update(CollectionOfOne(UInt8(ascii: "a"))) }
        try c.endChunk(signature: Self.chunk2)
        c.beginChunk()
        try c.endChunk(signature: Self.final)
    }

    @Test func badChunkSignatures() throws {
        let v = try seedSignature()
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: 65536)

        // One byte changed.
        var c = v.chunkVerifier()
        var tampered = data
        tampered[100] = UInt8(ascii: "b")
        let e = s3Error { try c.verifyChunk(signature: Self.chunk1, data: tampered) }
        #expect(e?.code == "SignatureDoesNotMatch")
        #expect(e?.field("StringToSign")?.hasPrefix("AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\(Self.seed)\n") == true)
        #expect(c.previousSignature == Self.seed)

        // Chunks out of order: the second chunk's signature is chained from the first.
        c = v.chunkVerifier()
        #expect(s3Error { try c.verifyChunk(signature: Self.chunk2, data: data.prefix(1024)) }?.code == "SignatureDoesNotMatch")

        // A missing signature, a truncated one, a chunk replayed from another seed.
        c = v.chunkVerifier()
        #expect(s3Error { try c.verifyChunk(signature: nil, data: data) }?.code == "SignatureDoesNotMatch")
        #expect(s3Error { try c.verifyChunk(signature: String(Self.chunk1.prefix(63)), data: data) }?.code == "SignatureDoesNotMatch")
        var other = v
        other.seedSignature = SignatureV4Tests.emptySHA
        c = other.chunkVerifier()
        #expect(s3Error { try c.verifyChunk(signature: Self.chunk1, data: data) }?.code == "SignatureDoesNotMatch")

        // The final chunk cannot be skipped over or signed as a data chunk.
        c = v.chunkVerifier()
        try c.verifyChunk(signature: Self.chunk1, data: data)
        #expect(s3Error { try c.verifyChunk(signature: Self.final, data: [UInt8]()) }?.code == "SignatureDoesNotMatch")
    }

    /// The trailer signature of the `-TRAILER` variant, chained from the final chunk. (The expected value
    /// was computed independently with Python's hmac/hashlib, from the AWS formula.)
    @Test func trailerSignature() throws {
        var c = try seedSignature().chunkVerifier()
        try c.verifyChunk(signature: Self.chunk1, data: [UInt8](repeating: UInt8(ascii: "a"), count: 65536))
        try c.verifyChunk(signature: Self.chunk2, data: [UInt8](repeating: UInt8(ascii: "a"), count: 1024))
        try c.verifyChunk(signature: Self.final, data: [UInt8]())
        let trailerSig = "838d1eeafd0ec086f3e98ef47cfb73e3cf6fea3c489e22a61089fa643e8b4b61"
        var bad = c
        #expect(s3Error { try bad.verifyTrailer(lines: [("x-amz-checksum-crc32c", "AAAAAA==")], signature: trailerSig) }?.code == "SignatureDoesNotMatch")
        #expect(s3Error { try bad.verifyTrailer(lines: [("x-amz-checksum-crc32c", "sOO8/Q==")], signature: nil) }?.code == "SignatureDoesNotMatch")
        // As the aws-chunked parser hands them over: the signature line included, names lower-cased.
        try c.verifyTrailer(
            lines: [("X-Amz-Checksum-Crc32c", " sOO8/Q== "), ("x-amz-trailer-signature", trailerSig)], signature: trailerSig)
        #expect(c.previousSignature == trailerSig)
    }
}
