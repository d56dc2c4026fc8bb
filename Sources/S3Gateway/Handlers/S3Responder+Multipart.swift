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
        let checksum = try Self.uploadChecksum(request.headers)
        let u = try await client.createUpload(
            bucket.ref, path: key, contentType: request.headers[.contentType], metadata: Self.userMetadata(request.headers), checksum: checksum)
        var out = HTTPFields()
        if let checksum {
            out[HTTPField.Name("x-amz-checksum-algorithm")!] = checksum.algorithm.s3Name
            out[HTTPField.Name("x-amz-checksum-type")!] = checksum.s3Type
        }
        return Self.xml(S3XMLResponses.initiateMultipartUploadResult(bucket: name, key: key, uploadId: u.id), headers: out)
    }

    /// The checksum CreateMultipartUpload asks for: `x-amz-checksum-algorithm`, and `x-amz-checksum-type`
    /// (by default FULL_OBJECT for CRC-64/NVME, COMPOSITE for the others, as S3 does).
    static func uploadChecksum(_ headers: HTTPFields) throws -> UploadChecksum? {
        let typeHeader = headers[HTTPField.Name("x-amz-checksum-type")!]
        guard let name = headers[HTTPField.Name("x-amz-checksum-algorithm")!] else {
            if let typeHeader { throw S3Error.invalidRequest("x-amz-checksum-type \(typeHeader) needs an x-amz-checksum-algorithm") }
            return nil
        }
        let algorithm = try checksumAlgorithm(name)
        let composite: Bool
        switch typeHeader?.uppercased() {
        case nil: composite = algorithm != .crc64nvme
        case "COMPOSITE": composite = true
        case "FULL_OBJECT": composite = false
        case let other?: throw S3Error.invalidArgument("Value for x-amz-checksum-type header is invalid.", name: "x-amz-checksum-type", value: other)
        }
        guard let c = UploadChecksum(algorithm, composite: composite) else {
            throw S3Error.invalidRequest("The \(composite ? "COMPOSITE" : "FULL_OBJECT") checksum type cannot be used with the \(algorithm.s3Name) checksum algorithm.")
        }
        return c
    }

    /// The algorithm an `x-amz-checksum-algorithm` header names (in any case).
    static func checksumAlgorithm(_ name: String) throws -> ChecksumAlgorithm {
        guard let algorithm = ChecksumAlgorithm(rawValue: name.lowercased()) else {
            throw S3Error.invalidArgument("Checksum algorithm provided is unsupported.", name: "x-amz-checksum-algorithm", value: name)
        }
        return algorithm
    }

    func uploadPart(_ name: String, _ key: String, uploadId: String, number: Int, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "PUT")
        let upload = try await existingUpload(uploadId, bucket: bucket, key: key)
        let headers = request.headers
        let spec = try BodySpec.from { n in HTTPField.Name(n).flatMap { headers[$0] } }
        // The upload's parts all carry its checksum: one sent in another algorithm is refused; a missing one the
        // engine computes (it is given no checksum to record then).
        if let wanted = upload.checksum?.algorithm, let sent = spec.checksum?.algorithm, sent != wanted {
            throw S3Error.invalidRequest("Checksum Type mismatch occurred, expected checksum Type: \(wanted.rawValue), actual checksum Type: \(sent.rawValue)")
        }
        let verified = spec.checksum == nil ? nil : BodyChecksum()
        var expected: [UInt8]?
        if let md5 = headers[HTTPField.Name("content-md5")!] {
            guard let d = Data(base64Encoded: md5), d.count == 16 else { throw S3Error.invalidDigest() }
            expected = Array(d)
        }
        let part: PartInfo
        do {
            part = try await client.putPart(
                uploadId, number: number, from: S3BodyStream(base: request.body, spec: spec, verified: verified), expectedMD5: expected, checksum: verified)
        } catch let e as PFSError {
            if case .badDigest = e { throw S3Error.badDigest() }
            throw S3Error(e, bucket: name, key: key, uploadId: uploadId, notFound: .upload)
        }
        var out = HTTPFields()
        out[.eTag] = S3XMLResponses.quotedETag(part.etag)
        if let c = part.checksum { out[HTTPField.Name(c.algorithm.headerName)!] = c.s3Value }
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
        return Self.xml(S3XMLResponses.copyPartResult(lastModified: part.created, etag: part.etag, checksums: Self.xmlChecksums(part.checksum)), headers: out)
    }

    func completeMultipartUpload(_ name: String, _ key: String, uploadId: String, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "POST")
        let upload = try await existingUpload(uploadId, bucket: bucket, key: key)
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
            // A checksum listed for a part must be the one it was stored with.
            let stored = Self.xmlChecksums(part.checksum)
            for c in p.checksums where !stored.contains(c) {
                throw S3Error.invalidPart(uploadId: uploadId, partNumber: p.partNumber, etag: etag)
                    .replacingMessage("The \(c.algorithm) checksum given for part \(p.partNumber) is not the part's.")
            }
        }
        // A whole-object checksum sent with the request is checked against the one the parts make.
        var expected: ContentChecksum?
        for a in ContentChecksum.Algorithm.allCases {
            guard let v = request.headers[HTTPField.Name(a.headerName)!] else { continue }
            guard let raw = Data(base64Encoded: v.split(separator: "-").first.map(String.init) ?? ""),
                let c = ContentChecksum(a, value: Array(raw), parts: upload.checksum?.composite == true ? doc.parts.count : nil)
            else { throw S3Error.invalidDigest() }
            expected = c
        }
        let precondition = try Self.writeCondition(request.headers)
        let result: PutResult
        do {
            result = try await client.completeUpload(
                uploadId, parts: doc.parts.map { ($0.partNumber, $0.etag) }, expectedChecksum: expected, precondition: precondition)
        } catch let e as PFSError {
            if case .badDigest = e { throw S3Error.badDigest("The \(expected?.algorithm.s3Name ?? "") you specified did not match the calculated checksum.") }
            // A condition that failed leaves the upload open, as S3 does; "not found" is the upload's only if it is gone.
            if let conditionError = Self.conditionError(e, precondition, key: key),
                (try? await client.inspectUpload(uploadId)) != nil
            {
                throw conditionError
            }
            throw S3Error(e, bucket: name, key: key, uploadId: uploadId, notFound: .upload)
        }
        var out = HTTPFields()
        out[HTTPField.Name("x-amz-version-id")!] = result.commit.rawValue
        let checksum = result.checksum
        return Self.xml(
            S3XMLResponses.completeMultipartUploadResult(
                location: "/\(name)/\(key)", bucket: name, key: key, etag: result.etag, checksums: Self.xmlChecksums(checksum), checksumType: checksum?.s3Type),
            headers: out)
    }

    /// A checksum as XML elements (`<ChecksumCRC32>…`): none for nil.
    static func xmlChecksums(_ c: ContentChecksum?) -> [S3Checksum] {
        c.map { [S3Checksum(algorithm: $0.algorithm.s3Name, value: $0.s3Value)] } ?? []
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
        let upload = try await existingUpload(uploadId, bucket: bucket, key: key)
        let all = try await client.listParts(uploadId).filter { $0.number > p.partNumberMarker }
        let page = Array(all.prefix(p.maxParts))
        let truncated = all.count > page.count
        let result = S3ListPartsResult(
            bucket: name, key: key, uploadId: uploadId, initiator: Self.owner, owner: Self.owner, partNumberMarker: p.partNumberMarker,
            nextPartNumberMarker: page.last?.number, maxParts: p.maxParts, isTruncated: truncated,
            parts: page.map { .init(partNumber: $0.number, lastModified: $0.created, etag: $0.etag, size: $0.size, checksums: Self.xmlChecksums($0.checksum)) })
        var xml = result
        xml.checksum = upload.checksum.map { S3ChecksumKind(algorithm: $0.algorithm.s3Name, type: $0.s3Type) }
        return Self.xml(xml.xml())
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
