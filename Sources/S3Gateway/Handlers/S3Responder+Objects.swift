import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PFS
import PFSClient

extension S3Responder {
    /// The commit a read addresses: `versionId`, else the bucket's pinned commit or its branch HEAD now.
    func readCommit(_ name: String, key: String, versionId: String?) async throws -> (BucketName, CommitID) {
        let (bucket, head) = try await existingBucketAndHead(name)
        if let versionId {
            guard let v = VersionID(versionId) else {
                throw S3Error.invalidArgument("Invalid version id specified", name: "versionId", value: versionId)
            }
            return (bucket, v.commit)
        }
        guard let head else { throw S3Error.noSuchKey(key) }
        return (bucket, head)
    }

    static func missing(_ key: String, versionId: String?) -> S3Error {
        versionId.map { S3Error.noSuchVersion(key: key, versionId: $0) } ?? S3Error.noSuchKey(key)
    }

    /// The commit a read addresses and the file entry at `key` in it.
    func readTarget(_ name: String, key: String, versionId: String?) async throws -> (BucketName, CommitID, FileEntry) {
        let (bucket, commit) = try await readCommit(name, key: key, versionId: versionId)
        let info: FileInfo
        do {
            info = try await client.inspectFile(.commit(bucket.repo, commit), path: key)
        } catch let e as PFSError {
            if case .notFound = e { throw Self.missing(key, versionId: versionId) }
            throw S3Error(e, bucket: name, key: key)
        }
        // An implicit directory is not an object.
        guard let entry = info.entry, info.path == key else { throw Self.missing(key, versionId: versionId) }
        return (bucket, commit, entry)
    }

    /// The object a GET or HEAD reads, looked up once, with its entry. A plain read of a branch bucket
    /// resolves the branch with the file; the bucket is checked only when that fails.
    func openTarget(_ name: String, key: String, versionId: String?) async throws -> (OpenedFile, FileEntry) {
        let ref: CommitRef
        if versionId == nil, let bucket = try? BucketName(parsing: name), bucket.commit == nil {
            ref = bucket.ref
        } else {
            let (bucket, commit) = try await readCommit(name, key: key, versionId: versionId)
            ref = .commit(bucket.repo, commit)
        }
        let opened: OpenedFile
        do {
            opened = try await client.openFile(ref, path: key)
        } catch let e as PFSError {
            // A missing bucket is reported before anything about the key.
            if versionId == nil { _ = try await existingBucket(name) }
            if case .notFound = e { throw Self.missing(key, versionId: versionId) }
            throw S3Error(e, bucket: name, key: key)
        }
        // An implicit directory is not an object.
        guard let entry = opened.info.entry, opened.info.path == key else { throw Self.missing(key, versionId: versionId) }
        return (opened, entry)
    }

    /// The largest GET body sent in one piece: at most one small chunk's worth.
    static let singleWriteLimit: UInt64 = 64 * 1024

    /// `x-amz-checksum-<algorithm>` and `x-amz-checksum-type` for `checksum`.
    static func addChecksumHeaders(_ checksum: ContentChecksum, to h: inout HTTPFields) {
        h[HTTPField.Name(checksum.algorithm.headerName)!] = checksum.s3Value
        h[HTTPField.Name("x-amz-checksum-type")!] = checksum.s3Type
    }

    static func objectHeaders(_ entry: FileEntry) -> HTTPFields {
        var h = HTTPFields()
        h[.eTag] = S3XMLResponses.quotedETag(entry.etag)
        h[.lastModified] = S3Time.httpDate(entry.modified)
        h[.contentType] = entry.contentType
        h[.acceptRanges] = "bytes"
        h[HTTPField.Name("x-amz-version-id")!] = entry.commit.rawValue
        for (k, v) in entry.metadata.sorted(by: { $0.key < $1.key }) {
            if let n = HTTPField.Name("x-amz-meta-" + k) { h[n] = v }
        }
        return h
    }

    func getObject(_ name: String, _ key: String, _ p: S3Operation.GetObjectParameters, request: Request, head: Bool) async throws -> Response {
        let (opened, entry) = try await openTarget(name, key: key, versionId: p.versionId)
        var headers = Self.objectHeaders(entry)
        let requestHeaders = request.headers
        let condition = Conditionals(headers: { n in HTTPField.Name(n).flatMap { requestHeaders[$0] } })
            .evaluateRead(etag: entry.etag, lastModified: entry.modified)
        switch condition {
        case .proceed: break
        case .notModified:
            var h = HTTPFields()
            h[.eTag] = headers[.eTag]
            h[.lastModified] = headers[.lastModified]
            return Response(status: .notModified, headers: h)
        case .preconditionFailed(let header):
            throw S3Error.preconditionFailed(condition: header)
        }
        for (n, v) in p.overrides.headers { if let name = HTTPField.Name(n) { headers[name] = v } }
        var offset: UInt64 = 0
        var length = entry.size
        var status = HTTPResponse.Status.ok
        if let part = p.partNumber {
            guard request.headers[.range] == nil else { throw S3Error.invalidRequest("Cannot specify both Range header and partNumber query parameter") }
            // One part of a multipart upload, as a ranged read; a file written in one piece has only part 1.
            if let r = entry.partRange(part) {
                (offset, length) = r
                headers[HTTPField.Name("x-amz-mp-parts-count")!] = String(entry.partSizes!.count)
                if length > 0 { headers[.contentRange] = "bytes \(offset)-\(offset + length - 1)/\(entry.size)" }
                status = .partialContent
            } else if part != 1 || entry.partCount != nil {
                throw S3Error.invalidPartNumber()
            }
        } else if let r = try ByteRange.resolve(header: request.headers[.range], size: entry.size) {
            offset = r.offset
            length = r.length
            status = .partialContent
            headers[.contentRange] = r.contentRange
        }
        // S3 sends the stored checksum only when asked, and only with the whole object or one part: a range has none.
        if requestHeaders[HTTPField.Name("x-amz-checksum-mode")!]?.caseInsensitiveCompare("ENABLED") == .orderedSame {
            if status == .ok, let checksum = entry.checksum {
                Self.addChecksumHeaders(checksum, to: &headers)
            } else if let part = p.partNumber, let sums = entry.partChecksums, part <= sums.count {
                headers[HTTPField.Name(sums[part - 1].algorithm.headerName)!] = sums[part - 1].s3Value
            }
        }
        headers[.contentLength] = String(length)
        if head { return Response(status: status, headers: headers) }
        let stream = try await opened.read(offset: offset, length: length, as: ByteBufferChunk.self)
        if length <= Self.singleWriteLimit {
            // A small body goes out with its head in one write and one flush, instead of a flush per part.
            var buffer: ByteBuffer?
            for try await piece in stream {
                if buffer == nil { buffer = piece.buffer } else { buffer!.writeImmutableBuffer(piece.buffer) }
            }
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer ?? ByteBuffer()))
        }
        let (logger, requestID) = (self.logger, Self.requestID)
        let body = ResponseBody(contentLength: Int(length)) { writer in
            do {
                for try await piece in stream { try await writer.write(piece.buffer) }
            } catch let e as PFSError {
                // The head said 200 and the length; all that is left is to cut the connection, and to say why.
                logger.error("response body failed", metadata: ["request-id": "\(requestID)", "path": "/\(name)/\(key)", "error": "\(e)"])
                throw e
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// The attributes GetObjectAttributes knows.
    static let objectAttributeNames: Set<String> = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]

    func getObjectAttributes(_ name: String, _ key: String, versionId: String?, request: Request) async throws -> Response {
        let maxParts = try Self.attributesLimit(request.headers, "x-amz-max-parts", default: 1000)
        let partMarker = try Self.attributesLimit(request.headers, "x-amz-part-number-marker", default: 0)
        let asked = (request.headers[HTTPField.Name("x-amz-object-attributes")!] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !asked.isEmpty else {
            throw S3Error.invalidArgument(
                "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
                name: "x-amz-object-attributes")
        }
        if let bad = asked.first(where: { !Self.objectAttributeNames.contains($0) }) {
            throw S3Error.invalidArgument("Invalid attribute name specified.", name: "x-amz-object-attributes", value: bad)
        }
        let (_, _, entry) = try await readTarget(name, key: key, versionId: versionId)
        let want = Set(asked)
        var a = S3XMLResponses.ObjectAttributes()
        if want.contains("ETag") { a.etag = entry.etag }
        if want.contains("Checksum"), let c = entry.checksum {
            a.checksum = (S3Checksum(algorithm: c.algorithm.s3Name, value: c.s3Value), c.s3Type)
        }
        if want.contains("ObjectParts"), let sizes = entry.partSizes {
            // As S3: the parts themselves only for an object whose parts have checksums.
            var parts = S3XMLResponses.ObjectAttributes.Parts(count: sizes.count, marker: partMarker, maxParts: maxParts)
            if let sums = entry.partChecksums, sums.count == sizes.count {
                let page = Array(sizes.indices.dropFirst(partMarker).prefix(maxParts))
                parts.parts = page.map { (number: $0 + 1, size: sizes[$0], checksum: S3Checksum(algorithm: sums[$0].algorithm.s3Name, value: sums[$0].s3Value)) }
                parts.isTruncated = (page.last.map { $0 + 1 } ?? partMarker) < sizes.count
                parts.nextMarker = parts.isTruncated ? page.last.map { $0 + 1 } : nil
            }
            a.parts = parts
        }
        if want.contains("StorageClass") { a.storageClass = "STANDARD" }
        if want.contains("ObjectSize") { a.objectSize = entry.size }
        var out = HTTPFields()
        out[.lastModified] = S3Time.httpDate(entry.modified)
        out[HTTPField.Name("x-amz-version-id")!] = entry.commit.rawValue
        return Self.xml(S3XMLResponses.getObjectAttributesResponse(a), headers: out)
    }

    /// A non-negative integer header of GetObjectAttributes.
    static func attributesLimit(_ headers: HTTPFields, _ name: String, default value: Int) throws -> Int {
        guard let text = headers[HTTPField.Name(name)!] else { return value }
        guard let n = Int(text), n >= 0 else { throw S3Error.invalidArgument("\(name) must be a non-negative integer", name: name, value: text) }
        return n
    }

    /// The `x-amz-meta-*` headers of a request, without the prefix.
    static func userMetadata(_ headers: HTTPFields) -> [String: String] {
        userMetadata(headers.lazy.map { (name: $0.name.canonicalName, value: $0.value) })
    }

    /// The `x-amz-meta-*` entries of headers or form fields, names lower-cased and without the prefix.
    static func userMetadata(_ fields: some Sequence<(name: String, value: String)>) -> [String: String] {
        var meta: [String: String] = [:]
        for f in fields where f.name.lowercased().hasPrefix("x-amz-meta-") {
            meta[String(f.name.lowercased().dropFirst("x-amz-meta-".count))] = f.value
        }
        return meta
    }

    func writableBucket(_ name: String, method: String) async throws -> BucketName {
        let bucket = try await existingBucket(name)
        if bucket.isReadOnly { throw S3Error.methodNotAllowed(method: method, resourceType: "OBJECT") }
        return bucket
    }

    func putObject(_ name: String, _ key: String, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "PUT")
        let headers = request.headers
        let spec = try BodySpec.from { n in HTTPField.Name(n).flatMap { headers[$0] } }
        let verified = BodyChecksum()
        var options = PutOptions(contentType: headers[.contentType], metadata: Self.userMetadata(headers), checksum: verified)
        if let md5 = headers[HTTPField.Name("content-md5")!] {
            guard let d = Data(base64Encoded: md5), d.count == 16 else { throw S3Error.invalidDigest() }
            options.expectedMD5 = Array(d)
        }
        options.precondition = try Self.writeCondition(headers)
        let result: PutResult
        do {
            result = try await client.putFile(bucket.ref, path: key, from: S3BodyStream(base: request.body, spec: spec, verified: verified), options: options)
        } catch let e as PFSError {
            if case .badDigest = e { throw S3Error.badDigest() }
            throw Self.conditionError(e, options.precondition, key: key) ?? S3Error(e, bucket: name, key: key)
        }
        var out = HTTPFields()
        out[.eTag] = S3XMLResponses.quotedETag(result.etag)
        out[HTTPField.Name("x-amz-version-id")!] = result.commit.rawValue
        if let c = verified.value { Self.addChecksumHeaders(c, to: &out) }
        return Self.empty(.ok, headers: out)
    }

    func copyObject(_ name: String, _ key: String, source: S3CopySource, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "PUT")
        let (srcBucket, srcCommit, srcEntry) = try await readTarget(source.bucket, key: source.key, versionId: source.versionId)
        let headers = request.headers
        let directive = headers[HTTPField.Name("x-amz-metadata-directive")!]?.uppercased() ?? "COPY"
        var replacing: FileAttributes?
        switch directive {
        case "COPY":
            if srcBucket == bucket, source.key == key, source.versionId == nil {
                throw S3Error.invalidRequest(
                    "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
                )
            }
        case "REPLACE":
            replacing = FileAttributes(contentType: headers[.contentType], metadata: Self.userMetadata(headers))
        default:
            throw S3Error.invalidArgument("Unknown metadata directive.", name: "x-amz-metadata-directive", value: directive)
        }
        // Without an algorithm the copy keeps the source's checksum; with one it gets a whole-object checksum in it.
        let algorithm = try headers[HTTPField.Name("x-amz-checksum-algorithm")!].map(Self.checksumAlgorithm)
        let condition = Conditionals(copySourceHeaders: { n in HTTPField.Name(n).flatMap { headers[$0] } })
            .evaluateCopySource(etag: srcEntry.etag, lastModified: srcEntry.modified)
        if let error = condition.error { throw error }
        let precondition = try Self.writeCondition(headers)
        let commit: CommitID
        do {
            commit = try await client.copyFile(
                from: .commit(srcBucket.repo, srcCommit), path: source.key, to: bucket.ref, path: key, replacing: replacing, checksum: algorithm,
                precondition: precondition)
        } catch let e as PFSError {
            throw Self.conditionError(e, precondition, key: key) ?? S3Error(e, bucket: name, key: key)
        }
        var out = HTTPFields()
        out[HTTPField.Name("x-amz-version-id")!] = commit.rawValue
        out[HTTPField.Name("x-amz-copy-source-version-id")!] = srcEntry.commit.rawValue
        var checksum = srcEntry.checksum
        if algorithm != nil, checksum?.algorithm != algorithm || checksum?.parts != nil {
            checksum = try await client.inspectFile(.commit(bucket.repo, commit), path: key).entry?.checksum
        }
        let checksums = checksum.map { [S3Checksum(algorithm: $0.algorithm.s3Name, value: $0.s3Value)] } ?? []
        return Self.xml(
            S3XMLResponses.copyObjectResult(lastModified: Date(), etag: srcEntry.etag, checksums: checksums, checksumType: checksum?.s3Type),
            headers: out)
    }

    /// The condition `If-None-Match: *` (the key must not exist) or `If-Match` (it must exist with that ETag, `*`: any)
    /// puts on a write (PUT, copy, CompleteMultipartUpload); the engine checks it atomically with the commit.
    static func writeCondition(_ headers: HTTPFields) throws -> PutPrecondition? {
        if let inm = headers[.ifNoneMatch] {
            guard inm.trimmingCharacters(in: .whitespaces) == "*" else { throw S3Error.notImplemented("If-None-Match with an ETag on a write", header: "If-None-Match") }
            return .absent
        }
        return headers[.ifMatch].map { .etag($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// S3's answer when the condition a write or delete carried failed: 412 PreconditionFailed naming its header, or
    /// 404 NoSuchKey for `If-Match` on a key that does not exist; nil for any other error.
    static func conditionError(_ e: PFSError, _ precondition: PutPrecondition?, key: String) -> S3Error? {
        switch (e, precondition) {
        case (.preconditionFailed, .absent?): .preconditionFailed(condition: "If-None-Match")
        case (.preconditionFailed, .etag?): .preconditionFailed(condition: "If-Match")
        case (.notFound, .etag?): .noSuchKey(key)
        default: nil
        }
    }

    /// Deletes the key in a commit of its own; with `If-Match` only if the key exists with that ETag (`*`: with any),
    /// checked atomically with the commit: else 404 NoSuchKey or 412 PreconditionFailed, as S3 answers.
    func deleteObject(_ name: String, _ key: String, versionId: String?, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "DELETE")
        if versionId != nil { throw S3Error.notImplemented("deleting a version: versions are commits, which are immutable") }
        let ifMatch = request.headers[.ifMatch].map { $0.trimmingCharacters(in: .whitespaces) }
        let commit: CommitID
        do {
            commit = try await client.deleteFiles(bucket.ref, paths: [key], prefixes: [], ifMatch: ifMatch.map { [key: $0] } ?? [:])
        } catch let e as PFSError {
            throw Self.conditionError(e, ifMatch.map(PutPrecondition.etag), key: key) ?? S3Error(e, bucket: name, key: key)
        }
        var out = HTTPFields()
        out[HTTPField.Name("x-amz-version-id")!] = commit.rawValue
        out[HTTPField.Name("x-amz-delete-marker")!] = "true"
        return Self.empty(.noContent, headers: out)
    }

    func deleteObjects(_ name: String, request: Request) async throws -> Response {
        let bucket = try await writableBucket(name, method: "POST")
        let body = request.body
        let raw = Array(buffer: try await body.collect(upTo: S3XMLRequests.defaultSizeLimit + 1))
        if let md5 = request.headers[HTTPField.Name("content-md5")!] {
            guard let d = Data(base64Encoded: md5), d.count == 16 else { throw S3Error.invalidDigest() }
            if Array(d) != Array(Insecure.MD5.hash(data: raw)) { throw S3Error.badDigest() }
        }
        let doc = try S3XMLRequests.parseDelete(raw)
        var errors: [S3DeleteResult.Failure] = []
        var keys: [String] = []
        var ifMatch: [String: String] = [:]
        for o in doc.objects {
            if o.versionId != nil {
                errors.append(.init(key: o.key, versionId: o.versionId, error: .notImplemented("deleting a version: versions are commits, which are immutable")))
            } else if o.key.isEmpty || o.key.utf8.count > 1024 {
                errors.append(.init(key: o.key, error: .keyTooLong(size: o.key.utf8.count)))
            } else {
                keys.append(o.key)
                if let etag = o.etag { ifMatch[o.key] = etag }
            }
        }
        var deleted: [S3DeleteResult.Deleted] = []
        // Objects sent with an ETag are deleted only if they still have it. Those that do not now are reported one by
        // one; the rest go in one commit that checks the conditions again, atomically. A write racing in between
        // fails that commit, and the conditions are looked at anew.
        var attempt = 0
        while !keys.isEmpty {
            attempt += 1
            for (key, etag) in ifMatch.sorted(by: { $0.key < $1.key }) {
                let condition = PutPrecondition.etag(etag)
                if let failure = condition.failure(try await currentEntry(bucket, key: key), path: key) {
                    errors.append(.init(key: key, error: Self.conditionError(failure, condition, key: key) ?? S3Error(failure, bucket: name, key: key)))
                    ifMatch[key] = nil
                    keys.removeAll { $0 == key }
                }
            }
            guard !keys.isEmpty else { break }
            do {
                let commit = try await client.deleteFiles(bucket.ref, paths: keys, prefixes: [], ifMatch: ifMatch)
                deleted = keys.map { .init(key: $0, deleteMarker: true, deleteMarkerVersionId: commit.rawValue) }
                break
            } catch let e as PFSError {
                let raced: Bool
                switch e {
                case .preconditionFailed, .notFound: raced = !ifMatch.isEmpty
                default: raced = false
                }
                if !raced || attempt >= 5 { throw S3Error(e, bucket: name) }
            }
        }
        return Self.xml(S3DeleteResult(deleted: deleted, errors: errors, quiet: doc.quiet).xml())
    }

    /// The object at exactly `key` in the bucket's HEAD now, nil when there is none (a directory found for it, files
    /// under `key/`, is no object).
    private func currentEntry(_ bucket: BucketName, key: String) async throws -> FileEntry? {
        do {
            let info = try await client.inspectFile(bucket.ref, path: key)
            return info.path == key ? info.entry : nil
        } catch let e as PFSError {
            guard case .notFound = e else { throw e }
            return nil
        }
    }
}
