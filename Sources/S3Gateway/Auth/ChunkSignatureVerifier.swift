internal import Crypto
import NIOCore

/// Verifies the chunk signatures of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body (and the trailer
/// signature of `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`), each chained from the one before,
/// starting from the request's seed signature.
///
/// Feed a chunk incrementally, as it streams: ``beginChunk()``, `update(_:)`
/// for each piece, then ``endChunk(signature:)`` with the signature from the chunk's header line. The
/// final zero-length chunk is verified the same way (with no `update(_:)`).
/// For a whole chunk at once there is ``verifyChunk(signature:data:)``.
public struct ChunkSignatureVerifier {
    /// The signing key of the request's scope.
    public let signingKey: [UInt8]
    /// The request time as signed.
    public let amzDate: String
    /// The credential scope.
    public let scope: String
    /// The last verified signature: the seed signature until the first chunk is verified.
    public private(set) var previousSignature: String
    /// How many chunks have been verified.
    public private(set) var chunksVerified = 0

    private var hasher: SHA256?

    /// A verifier chained from a verified request.
    public init(_ seed: VerifiedSignature) {
        self.init(signingKey: seed.signingKey, amzDate: seed.amzDate, scope: seed.scope, seedSignature: seed.seedSignature)
    }

    public init(signingKey: [UInt8], amzDate: String, scope: String, seedSignature: String) {
        self.signingKey = signingKey
        self.amzDate = amzDate
        self.scope = scope
        self.previousSignature = seedSignature
    }

    /// Starts a chunk (any chunk in progress is discarded).
    public mutating func beginChunk() {
        hasher = SHA256()
    }

    /// Adds bytes of the current chunk; starts one if none is in progress.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if hasher == nil { hasher = SHA256() }
        hasher!.update(bufferPointer: bytes)
    }

    /// Adds bytes of the current chunk; starts one if none is in progress.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { self.update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { self.update($0) }
        }
    }

    /// Adds the readable bytes of `buffer` to the current chunk.
    mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { self.update($0) }
    }

    /// Ends the current chunk and checks its signature (from `;chunk-signature=`); on success the chunk's
    /// signature becomes the previous signature of the next. A chunk with no `update(_:)`
    /// is empty (the final chunk).
    ///
    /// - Throws: `SignatureDoesNotMatch` when the signature is missing or wrong.
    public mutating func endChunk(signature: String?) throws(S3Error) {
        let digest = (hasher ?? SHA256()).finalize()
        hasher = nil
        let sts = "AWS4-HMAC-SHA256-PAYLOAD\n\(amzDate)\n\(scope)\n\(previousSignature)\n\(AWSSigning.emptySHA256)\n\(AWSSigning.hex(digest))"
        try accept(stringToSign: sts, provided: signature)
    }

    /// Checks a whole chunk at once.
    public mutating func verifyChunk(signature: String?, data: some Collection<UInt8>) throws(S3Error) {
        beginChunk()
        update(data)
        try endChunk(signature: signature)
    }

    /// Checks the `x-amz-trailer-signature` of a `-TRAILER` body, over the trailer lines as
    /// `name:value\n` each (name lower-cased, value trimmed, in the order sent). A line named
    /// `x-amz-trailer-signature` itself is left out, so the parser's trailers can be passed as they are.
    ///
    /// - Throws: `SignatureDoesNotMatch` when the signature is missing or wrong.
    public mutating func verifyTrailer(lines: [(name: String, value: String)], signature: String?) throws(S3Error) {
        var canonical = ""
        for line in lines {
            let name = line.name.lowercased().trimmingSpaces()
            if name == "x-amz-trailer-signature" { continue }
            canonical += name + ":" + line.value.trimmingSpaces() + "\n"
        }
        let sts = "AWS4-HMAC-SHA256-TRAILER\n\(amzDate)\n\(scope)\n\(previousSignature)\n\(AWSSigning.sha256Hex(canonical))"
        try accept(stringToSign: sts, provided: signature)
    }

    private mutating func accept(stringToSign sts: String, provided: String?) throws(S3Error) {
        let computed = AWSSigning.hex(AWSSigning.hmacSHA256(key: signingKey, sts))
        guard let provided, AWSSigning.constantTimeEqual(computed, provided.lowercased()) else {
            throw S3Error.signatureDoesNotMatch(stringToSign: sts, signatureProvided: provided ?? "")
        }
        previousSignature = computed
        chunksVerified += 1
    }
}
