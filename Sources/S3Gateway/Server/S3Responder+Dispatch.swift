import HTTPTypes
import Hummingbird
import PFS
import PFSClient

extension S3Responder {
    /// Recognizes the S3 call and runs its handler.
    func dispatch(_ request: Request) async throws -> Response {
        let parser = S3RequestParser(virtualHostDomains: configuration.domain.map { [$0] } ?? [])
        let headers = request.headers
        let op = try parser.parse(
            method: request.method.rawValue, path: request.uri.path, query: Self.queryItems(request.uri.query),
            headers: { name in name == "host" ? request.head.authority : HTTPField.Name(name).flatMap { headers[$0] } })
        // A form upload carries its credentials in its fields: its handler checks them once it has read them.
        let identity = op.isFormUpload ? nil : try await authenticate(request)
        if let refusal = op.refusal { throw refusal }
        // Streaming uploads signed chunk by chunk are checked as their chunks arrive.
        var chunkSigning: VerifiedSignature?
        if case .v4(let sig)? = identity, headers[HTTPField.Name("x-amz-content-sha256")!]?.hasPrefix("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == true {
            chunkSigning = sig
        }
        return try await Self.$chunkSignature.withValue(chunkSigning) { try await run(op, request) }
    }

    /// The signature that streaming chunks of the current request must continue, if any.
    @TaskLocal static var chunkSignature: VerifiedSignature?

    private func run(_ op: S3Operation, _ request: Request) async throws -> Response {
        switch op {
        case .listBuckets(let p): return try await listBuckets(p)
        case .createBucket(let b): return try await createBucket(b, request: request)
        case .deleteBucket(let b): return try await deleteBucket(b)
        case .headBucket(let b): return try await headBucket(b)
        case .getBucketLocation(let b): return try await getBucketLocation(b)
        case .getBucketVersioning(let b): return try await getBucketVersioning(b)
        case .putBucketVersioning(let b): return try await putBucketVersioning(b, request: request)
        case .listObjectsV1(let b, let p): return try await listObjects(b, p, v2: false)
        case .listObjectsV2(let b, let p): return try await listObjects(b, p, v2: true)
        case .getObject(let b, let k, let p): return try await getObject(b, k, p, request: request, head: false)
        case .headObject(let b, let k, let p): return try await getObject(b, k, p, request: request, head: true)
        case .getObjectAttributes(let b, let k, let v): return try await getObjectAttributes(b, k, versionId: v, request: request)
        case .putObject(let b, let k): return try await putObject(b, k, request: request)
        case .copyObject(let b, let k, let source): return try await copyObject(b, k, source: source, request: request)
        case .deleteObject(let b, let k, let v): return try await deleteObject(b, k, versionId: v, request: request)
        case .deleteObjects(let b): return try await deleteObjects(b, request: request)
        case .postObject(let b): return try await postObject(b, request: request)
        case .createMultipartUpload(let b, let k): return try await createMultipartUpload(b, k, request: request)
        case .uploadPart(let b, let k, let id, let n): return try await uploadPart(b, k, uploadId: id, number: n, request: request)
        case .uploadPartCopy(let b, let k, let id, let n, let source):
            return try await uploadPartCopy(b, k, uploadId: id, number: n, source: source, request: request)
        case .completeMultipartUpload(let b, let k, let id): return try await completeMultipartUpload(b, k, uploadId: id, request: request)
        case .abortMultipartUpload(let b, let k, let id): return try await abortMultipartUpload(b, k, uploadId: id)
        case .listParts(let b, let k, let id, let p): return try await listParts(b, k, uploadId: id, p)
        case .listMultipartUploads(let b, let p): return try await listMultipartUploads(b, p)
        case .listObjectVersions(let b, let p): return try await listObjectVersions(b, p)
        case .getBucketConfiguration(let b, let c): return try await getBucketConfiguration(b, c)
        case .deleteBucketConfiguration(let b, let c): return try await deleteBucketConfiguration(b, c)
        case .putACL(let b, let k, let v): return try await putACL(b, key: k, versionId: v, request: request)
        case .getObjectACL(let b, let k, let v): return try await getObjectACL(b, k, versionId: v)
        case .getObjectTagging(let b, let k, let v): return try await getObjectTagging(b, k, versionId: v)
        case .deleteObjectTagging(let b, let k, let v): return try await deleteObjectTagging(b, k, versionId: v)
        case .notImplemented, .methodNotAllowed:
            throw S3Error.internalError()
        }
    }

    /// The query string's items, percent-decoded, in order; `+` is a space as in form encoding.
    static func queryItems(_ query: String?) -> [(String, String?)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return S3URLEncoding.percentDecode(spaced) ?? String(spaced)
            }
            if let eq = item.firstIndex(of: "=") {
                return (decode(item[..<eq]), decode(item[item.index(after: eq)...]))
            }
            return (decode(item), nil)
        }
    }
}
