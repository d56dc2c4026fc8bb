internal import Crypto
import Foundation
import NIOCore
import PFS

/// What a request body must satisfy, read from its headers.
struct BodySpec: Sendable {
    /// `aws-chunked` framing to strip.
    var chunked = false
    /// The payload length the body must have (decoded length for aws-chunked bodies).
    var expectedLength: UInt64?
    /// Where the expected value of a checksum comes from.
    enum ExpectedChecksum {
        /// A header's base64 value.
        case header(String)
        /// The trailer named in `x-amz-trailer`.
        case trailer
    }

    /// A checksum to verify, and where its expected value comes from.
    var checksum: (algorithm: ChecksumAlgorithm, expected: ExpectedChecksum)?
    /// The SHA-256 the payload must have (`x-amz-content-sha256` as a hex digest).
    var contentSHA256: [UInt8]?

    /// Reads the body's framing and integrity headers; `header` looks up a lower-cased name.
    static func from(header: (String) -> String?) throws(S3Error) -> BodySpec {
        var spec = BodySpec()
        let sha = header("x-amz-content-sha256")
        if let sha {
            if sha.hasPrefix("STREAMING-") {
                spec.chunked = true
            } else if sha != "UNSIGNED-PAYLOAD" {
                guard sha.utf8.count == 64, let bytes = Hex.decode(sha) else {
                    throw S3Error.invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a SHA-256 hex digest", name: "x-amz-content-sha256", value: sha)
                }
                spec.contentSHA256 = bytes
            }
        }
        if let enc = header("content-encoding"), enc.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "aws-chunked" }) {
            spec.chunked = true
        }
        if spec.chunked {
            if let d = header("x-amz-decoded-content-length") {
                guard let n = UInt64(d) else { throw S3Error.invalidArgument("bad x-amz-decoded-content-length", name: "x-amz-decoded-content-length", value: d) }
                spec.expectedLength = n
            } else if header("content-length") == nil {
                throw S3Error.missingContentLength()
            }
        } else if let cl = header("content-length") {
            guard let n = UInt64(cl) else { throw S3Error.invalidArgument("bad Content-Length", name: "Content-Length", value: cl) }
            spec.expectedLength = n
        } else if header("transfer-encoding") == nil {
            throw S3Error.missingContentLength()
        }
        for a in ChecksumAlgorithm.allCases {
            if let v = header(a.headerName) {
                spec.checksum = (a, .header(v))
                break
            }
        }
        if spec.checksum == nil, let trailer = header("x-amz-trailer") {
            let name = trailer.trimmingCharacters(in: .whitespaces).lowercased()
            guard let a = ChecksumAlgorithm(headerName: name) else {
                throw S3Error.invalidArgument("unsupported trailer '\(trailer)'", name: "x-amz-trailer", value: trailer)
            }
            guard spec.chunked else { throw S3Error.invalidRequest("x-amz-trailer needs an aws-chunked body") }
            spec.checksum = (a, .trailer)
        }
        return spec
    }
}

/// A request body as PFS takes it: framing stripped, length and checksums verified. Any failure,
/// including at the very end, is thrown before the sequence finishes, so nothing is committed.
struct S3BodyStream<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    typealias Element = ByteBufferChunk
    let base: Base
    let spec: BodySpec
    /// Receives the checksum the body matched, for the response.
    var verified: BodyChecksum? = nil
    /// For `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` bodies: the seed signature the chunk signatures continue.
    var chunkSignature: VerifiedSignature? = S3Responder.chunkSignature

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let spec: BodySpec
        let verified: BodyChecksum?
        var signatures: ChunkSignatureVerifier?
        /// The chunk the next payload bytes belong to, and how many of its bytes are still to come (-1: none begun).
        var chunk: AWSChunkedParser.ChunkHeader?
        var chunkRemaining = -1
        var parser: AWSChunkedParser?
        var pending: [ByteBuffer] = []
        var checksum: ChecksumHasher?
        var sha: SHA256?
        var count: UInt64 = 0
        var finished = false

        mutating func next() async throws -> ByteBufferChunk? {
            while true {
                if !pending.isEmpty {
                    let b = pending.removeFirst()
                    count += UInt64(b.readableBytes)
                    if let limit = spec.expectedLength, count > limit {
                        throw S3Error.invalidRequest("the body is longer than its declared length \(limit)")
                    }
                    b.withUnsafeReadableBytes { raw in
                        checksum?.update(raw)
                        sha?.update(bufferPointer: raw)
                    }
                    if signatures != nil { try signChunkData(b) }
                    return ByteBufferChunk(b)
                }
                if finished { return nil }
                guard let raw = try await base.next() else {
                    finished = true
                    try finish()
                    return nil
                }
                if parser != nil {
                    pending = try parser!.feed(raw)
                } else {
                    pending = [raw]
                }
            }
        }

        /// Feeds payload bytes to the chunk signature checks, closing each chunk as its last byte passes.
        private mutating func signChunkData(_ b: ByteBuffer) throws {
            guard parser != nil else { return }
            var rest = b
            while rest.readableBytes > 0 {
                if chunkRemaining < 0 {
                    guard let next = parser!.nextHeader() else { throw S3Error.incompleteBody() }
                    chunk = next
                    chunkRemaining = next.size
                    signatures!.beginChunk()
                }
                let n = Swift.min(chunkRemaining, rest.readableBytes)
                let slice = rest.readSlice(length: n)!
                slice.withUnsafeReadableBytes { signatures!.update($0) }
                chunkRemaining -= n
                if chunkRemaining == 0 {
                    try signatures!.endChunk(signature: chunk?.signature)
                    chunkRemaining = -1
                }
            }
        }

        private mutating func finish() throws {
            if let parser { try parser.finish() }
            if var signatures, parser != nil {
                // Every data chunk was checked as it passed; the final, empty chunk and the trailer remain.
                guard chunkRemaining < 0, let last = parser!.nextHeader(), last.size == 0, parser!.nextHeader() == nil else {
                    throw S3Error.incompleteBody()
                }
                try signatures.verifyChunk(signature: last.signature, data: [UInt8]())
                if !parser!.trailers.isEmpty {
                    let sig = parser!.trailers.first { $0.name == "x-amz-trailer-signature" }?.value
                    try signatures.verifyTrailer(lines: parser!.trailers, signature: sig)
                }
                self.signatures = signatures
            }
            if let expected = spec.expectedLength, count != expected {
                throw S3Error.incompleteBody().replacingMessage("the body has \(count) bytes; \(expected) were declared")
            }
            if let want = spec.contentSHA256, let sha {
                let got = Array(sha.finalize())
                if got != want {
                    throw S3Error.contentSHA256Mismatch(clientComputed: Hex.encode(want), computed: Hex.encode(got))
                }
            }
            if let (algorithm, source) = spec.checksum, let checksum {
                let expected: String
                switch source {
                case .header(let v): expected = v
                case .trailer:
                    guard let v = parser?.trailers.first(where: { $0.name == algorithm.headerName })?.value else {
                        throw S3Error.invalidRequest("the trailer \(algorithm.headerName) announced in x-amz-trailer is missing")
                    }
                    expected = v
                }
                if expected != checksum.base64 {
                    throw S3Error.badDigest("The \(algorithm.rawValue.uppercased()) you specified did not match the calculated checksum.")
                }
                verified?.value = ContentChecksum(algorithm, value: checksum.digest)
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            base: base.makeAsyncIterator(), spec: spec, verified: verified, signatures: chunkSignature.map(ChunkSignatureVerifier.init),
            parser: spec.chunked ? AWSChunkedParser(keepsHeaders: chunkSignature != nil) : nil,
            checksum: spec.checksum?.algorithm.makeHasher(), sha: spec.contentSHA256 == nil ? nil : SHA256())
    }
}
