import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PFS
import PFSClient

extension S3Responder {
    /// S3's smallest part, except the last.
    static let minimumPartSize: UInt64 = 5 << 20

    /// The upload `id`, which must belong to `bucket` and `key`.
    func existingUpload(_ id: String, bucket: BucketName, key: String) async throws -> UploadInfo {
        guard let u = try? await client.inspectUpload(id), u.repo == bucket.repo, u.branch == bucket.branch, u.path == key else {
            throw S3Error.noSuchUpload(id)
        }
        return u
    }

    func createMultipartUpload(_ name: String, _ key: String, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "POST")
        let u = try await client.createUpload(
            bucket.ref, path: key, contentType: request.headers[.contentType], metadata: Self.userMetadata(request.headers))
        return Self.xml(S3XMLResponses.initiateMultipartUploadResult(bucket: name, key: key, uploadId: u.id))
    }

    func uploadPart(_ name: String, _ key: String, uploadId: String, number: Int, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "PUT")
        _ = try await existingUpload(uploadId, bucket: bucket, key: key)
        let headers = request.headers
        let spec = try BodySpec.from { n in HTTPField.Name(n).flatMap { headers[$0] } }
        let verified = BodyChecksum()
        var expected: [UInt8]?
        if let md5 = headers[HTTPField.Name("content-md5")!] {
            guard let d = Data(base64Encoded: md5), d.count == 16 else { throw S3Error.invalidDigest() }
            expected = Array(d)
        }
        let part: PartInfo
        do {
            part = try await client.putPart(uploadId, number: number, from: S3BodyStream(base: request.body, spec: spec, verified: verified), expectedMD5: expected)
        } catch let e as PFSError {
            if case .badDigest = e { throw S3Error.badDigest() }
            throw S3Error(e, bucket: name, key: key, uploadId: uploadId, notFound: .upload)
        }
        var out = HTTPFields()
        out[.eTag] = S3XMLResponses.quotedETag(part.etag)
        if let c = verified.value { out[HTTPField.Name(c.algorithm.headerName)!] = c.s3Value }
        return Self.empty(.ok, headers: out)
    }

    func uploadPartCopy(_ name: String, _ key: String, uploadId: String, number: Int, source: S3CopySource, request: Request) async throws
        -> Response
    {
        let bucket = try await writableBucket(name, method: "PUT")
        _ = try await existingUpload(uploadId, bucket: bucket, key: key)
        let (srcBucket, srcCommit, srcEntry) = try await readTarget(source.bucket, key: source.key, versionId: source.versionId)
        let headers = request.headers
        let condition = Conditionals(copySourceHeaders: { n in HTTPField.Name(n).flatMap { headers[$0] } })
            .evaluateCopySource(etag: srcEntry.etag, lastModified: srcEntry.modified)
        if let error = condition.error { throw error }
        var offset: UInt64 = 0
        var length: UInt64?
        if let range = headers[HTTPField.Name("x-amz-copy-source-range")!] {
            let r = try ByteRange.resolveCopySourceRange(range, size: srcEntry.size)
            offset = r.offset
            length = r.length
        }
        let part = try await client.copyPart(
            uploadId, number: number, from: .commit(srcBucket.repo, srcCommit), path: source.key, offset: offset, length: length)
        var out = HTTPFields()
        out[HTTPField.Name("x-amz-copy-source-version-id")!] = srcEntry.commit.rawValue
        return Self.xml(S3XMLResponses.copyPartResult(lastModified: part.created, etag: part.etag), headers: out)
    }

    func completeMultipartUpload(_ name: String, _ key: String, uploadId: String, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "POST")
        _ = try await existingUpload(uploadId, bucket: bucket, key: key)
        let body = request.body
        let doc = try S3XMLRequests.parseCompleteMultipartUpload(Array(buffer: try await body.collect(upTo: S3XMLRequests.defaultSizeLimit + 1)))
        // Checked here to answer with S3's own codes; the engine checks again when it commits.
        let staged = Dictionary(try await client.listParts(uploadId).map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, p) in doc.parts.enumerated() {
            let etag = p.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            guard let part = staged[p.partNumber], part.etag == etag else {
                throw S3Error.invalidPart(uploadId: uploadId, partNumber: p.partNumber, etag: etag)
            }
            if i < doc.parts.count - 1, part.size < Self.minimumPartSize {
                throw S3Error.entityTooSmall(proposedSize: part.size, minSizeAllowed: Self.minimumPartSize, partNumber: part.number, etag: etag)
            }
        }
        let result: PutResult
        do {
            result = try await client.completeUpload(uploadId, parts: doc.parts.map { ($0.partNumber, $0.etag) })
        } catch let e as PFSError {
            throw S3Error(e, bucket: name, key: key, uploadId: uploadId, notFound: .upload)
        }
        var out = HTTPFields()
        out[HTTPField.Name("x-amz-version-id")!] = result.commit.rawValue
        return Self.xml(
            S3XMLResponses.completeMultipartUploadResult(location: "/\(name)/\(key)", bucket: name, key: key, etag: result.etag), headers: out)
    }

    func abortMultipartUpload(_ name: String, _ key: String, uploadId: String) async throws -> Response {
        let bucket = try await writableBucket(name, method: "DELETE")
        _ = try await existingUpload(uploadId, bucket: bucket, key: key)
        do {
            try await client.abortUpload(uploadId)
        } catch let e as PFSError {
            throw S3Error(e, bucket: name, key: key, uploadId: uploadId, notFound: .upload)
        }
        return Self.empty(.noContent)
    }

    func listParts(_ name: String, _ key: String, uploadId: String, _ p: S3Operation.ListPartsParameters) async throws -> Response {
        let bucket = try await existingBucket(name)
        _ = try await existingUpload(uploadId, bucket: bucket, key: key)
        let all = try await client.listParts(uploadId).filter { $0.number > p.partNumberMarker }
        let page = Array(all.prefix(p.maxParts))
        let truncated = all.count > page.count
        let result = S3ListPartsResult(
            bucket: name, key: key, uploadId: uploadId, initiator: Self.owner, owner: Self.owner, partNumberMarker: p.partNumberMarker,
            nextPartNumberMarker: page.last?.number, maxParts: p.maxParts, isTruncated: truncated,
            parts: page.map { .init(partNumber: $0.number, lastModified: $0.created, etag: $0.etag, size: $0.size) })
        return Self.xml(result.xml())
    }

    func listMultipartUploads(_ name: String, _ p: S3Operation.ListUploadsParameters) async throws -> Response {
        let bucket = try await existingBucket(name)
        var uploads = try await client.listUploads(bucket.repo).filter { $0.branch == bucket.branch && $0.path.hasPrefix(p.prefix) }
        uploads.sort { ($0.path.utf8.lexicographicallyPrecedes($1.path.utf8)) || ($0.path == $1.path && $0.id < $1.id) }
        if let km = p.keyMarker {
            uploads = uploads.filter { u in
                km.utf8.lexicographicallyPrecedes(u.path.utf8) || (u.path == km && p.uploadIdMarker.map { u.id > $0 } == true)
            }
        }
        let page = Array(uploads.prefix(p.maxUploads))
        let truncated = uploads.count > page.count
        let result = S3ListMultipartUploadsResult(
            bucket: name, keyMarker: p.keyMarker, uploadIdMarker: p.uploadIdMarker, nextKeyMarker: truncated ? page.last?.path : nil,
            nextUploadIdMarker: truncated ? page.last?.id : nil, delimiter: p.delimiter, prefix: p.prefix, maxUploads: p.maxUploads,
            isTruncated: truncated, encodingURL: p.encodingURL,
            uploads: page.map { .init(key: $0.path, uploadId: $0.id, initiator: Self.owner, owner: Self.owner, initiated: $0.created) })
        return Self.xml(result.xml())
    }
}
