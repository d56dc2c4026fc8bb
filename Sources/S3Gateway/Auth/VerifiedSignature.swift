/// A request whose Signature Version 4 signature checked out: who signed it, and what a
/// ``ChunkSignatureVerifier`` needs to go on checking an `aws-chunked` body's chunk signatures.
public struct VerifiedSignature: Sendable, Hashable {
    /// The access key the request was signed with (here also the secret key and the auth token).
    public var accessKey: String
    /// The request's signature (lower-case hex): the "previous signature" of the first chunk.
    public var seedSignature: String
    /// The derived signing key: HMAC chain of "AWS4"+secret, date, region, service, `aws4_request`.
    public var signingKey: [UInt8]
    /// The credential scope: `20130524/us-east-1/s3/aws4_request`.
    public var scope: String
    /// The request time as signed: `20130524T000000Z`.
    public var amzDate: String

    public init(accessKey: String, seedSignature: String, signingKey: [UInt8], scope: String, amzDate: String) {
        self.accessKey = accessKey
        self.seedSignature = seedSignature
        self.signingKey = signingKey
        self.scope = scope
        self.amzDate = amzDate
    }

    /// A verifier for the chunk signatures of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]` body,
    /// chained from this request's signature.
    public func chunkVerifier() -> ChunkSignatureVerifier {
        ChunkSignatureVerifier(self)
    }
}
