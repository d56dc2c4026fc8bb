import Foundation

extension PFSEngine {
    /// The largest part number of a multipart upload, as in S3.
    public static let maxPartNumber = 10_000

    /// Starts a multipart upload of `path` to the branch `ref` names. Parts are staged outside any
    /// commit; ``completeUpload(_:parts:expectedChecksum:minimumPartSize:)`` makes them one file in one commit.
    public func createUpload(
        _ ref: CommitRef, path: String, contentType: String? = nil, metadata: [String: String] = [:], checksum: UploadChecksum? = nil
    ) async throws -> UploadInfo {
        try Paths.validate(path)
        guard case .branch(let branch) = ref.base, ref.offset == .none else {
            throw PFSError.invalidArgument("a multipart upload goes to a branch, not to \(ref)")
        }
        _ = try await inspectRepo(ref.repo)
        let upload = UploadInfo(
            id: CommitID.random().rawValue, repo: ref.repo, branch: branch, path: path, contentType: contentType, metadata: metadata, created: Date(),
            checksum: checksum)
        try await self.metadata.createUpload(upload)
        return upload
    }

    public func inspectUpload(_ id: String) async throws -> UploadInfo {
        guard let u = try await metadata.upload(id) else { throw PFSError.notFound("upload \(id) not found") }
        return u
    }

    /// Uploads of a repo (all repos when nil), oldest first.
    public func listUploads(_ repo: RepoID?) async throws -> [UploadInfo] { try await metadata.listUploads(repo) }

    /// Stages part `number` of an upload from `body`, replacing an earlier part of that number.
    ///
    /// `checksum`, when given, is the body's verified checksum, filled in by the time the body ends; it is
    /// kept with the part. An upload that has a checksum needs one of its algorithm from every part: without
    /// `checksum` it is computed here, and a different algorithm is refused.
    public func putPart<S: AsyncSequence>(
        _ id: String, number: Int, from body: S, expectedMD5: [UInt8]? = nil, checksum: BodyChecksum? = nil
    ) async throws -> PartInfo where S.Element: ByteChunk {
        guard (1...Self.maxPartNumber).contains(number) else {
            throw PFSError.invalidArgument("part number \(number) is outside 1...\(Self.maxPartNumber)")
        }
        let upload = try await inspectUpload(id)
        let sum: BodyChecksum?
        let content: IngestedContent
        if let wanted = upload.checksum?.algorithm, checksum == nil {
            sum = BodyChecksum()
            content = try await FileIngest(blobs: blobs, inflight: inflight).ingest(ChecksummedBody(base: body, algorithm: wanted, result: sum!))
        } else {
            sum = checksum
            content = try await FileIngest(blobs: blobs, inflight: inflight).ingest(body)
        }
        defer { inflight.remove(content.inflight) }
        if let expectedMD5, expectedMD5 != content.md5 {
            throw PFSError.badDigest("the part's MD5 \(Hex.encode(content.md5)) is not the expected \(Hex.encode(expectedMD5))")
        }
        if let wanted = upload.checksum?.algorithm, sum?.value?.algorithm != wanted {
            throw PFSError.invalidArgument(
                "the upload's parts carry \(wanted.rawValue) checksums; part \(number) came with \(sum?.value?.algorithm.rawValue ?? "none")")
        }
        let part = PartRecord(
            uploadID: id, number: number, size: content.size, md5: content.md5, chunks: content.chunks, created: Date(), checksum: sum?.value)
        try await metadata.putPart(part, smallChunks: content.smallChunks)
        return part.info
    }

    /// Stages part `number` from a file version: by reference when the whole file is taken, else by
    /// reading the byte range.
    public func copyPart(_ id: String, number: Int, from src: CommitRef, path: String, offset: UInt64 = 0, length: UInt64? = nil) async throws
        -> PartInfo
    {
        let rec = try await resolve(src)
        guard let entry = try await Tree.lookup(rec.root, try Paths.key(path), in: nodes) else {
            throw PFSError.notFound("file '\(path)' not found in \(src)")
        }
        let wanted = try await inspectUpload(id).checksum?.algorithm
        // By reference only when no checksum is needed or the source has the one needed.
        let sourceSum = entry.checksum.flatMap { $0.parts == nil && $0.algorithm == wanted ? $0 : nil }
        if offset == 0, length == nil || length == entry.size, let md5 = entry.md5, wanted == nil || sourceSum != nil {
            guard (1...Self.maxPartNumber).contains(number) else {
                throw PFSError.invalidArgument("part number \(number) is outside 1...\(Self.maxPartNumber)")
            }
            let chunks = try await ContentIndex.chunks(of: entry, source: nodes)
            let part = PartRecord(uploadID: id, number: number, size: entry.size, md5: md5, chunks: chunks, created: Date(), checksum: sourceSum)
            try await metadata.putPart(part, smallChunks: [:])
            return part.info
        }
        return try await putPart(id, number: number, from: try await reader(entry, offset: offset, length: length))
    }

    public func listParts(_ id: String) async throws -> [PartInfo] {
        _ = try await inspectUpload(id)
        return try await metadata.parts(id).map(\.info)
    }

    /// Drops an upload and its staged parts; their data goes at the next garbage collection.
    public func abortUpload(_ id: String) async throws {
        guard try await metadata.deleteUpload(id) else { throw PFSError.notFound("upload \(id) not found") }
    }

    /// Makes the listed parts, in order, one file in one commit on the upload's branch, and ends the upload.
    /// The ETag is S3's: the MD5 of the parts' MD5s, then `-` and the number of parts. An upload with a
    /// checksum gives the file one made from the parts' checksums; `expectedChecksum`, if given, must equal it.
    public func completeUpload(
        _ id: String, parts: [(number: Int, etag: String)], expectedChecksum: ContentChecksum? = nil, minimumPartSize: UInt64 = 5 << 20,
        precondition: PutPrecondition? = nil
    ) async throws -> PutResult {
        let upload = try await inspectUpload(id)
        guard !parts.isEmpty else { throw PFSError.invalidArgument("a multipart upload needs at least one part") }
        let staged = Dictionary(try await metadata.parts(id).map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        var chunks: [ChunkRef] = []
        var md5s: [UInt8] = []
        var size: UInt64 = 0
        var sizes: [UInt64] = []
        var sums: [ContentChecksum] = []
        var previous = 0
        for (i, p) in parts.enumerated() {
            guard p.number > previous else { throw PFSError.invalidArgument("InvalidPartOrder: part numbers must ascend") }
            previous = p.number
            let want = p.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            guard let part = staged[p.number], Hex.encode(part.md5) == want else {
                throw PFSError.invalidArgument("InvalidPart: part \(p.number) with ETag \(want) was not uploaded")
            }
            if i < parts.count - 1, part.size < minimumPartSize {
                throw PFSError.invalidArgument("EntityTooSmall: part \(p.number) has \(part.size) bytes; parts but the last need \(minimumPartSize)")
            }
            chunks += part.chunks
            if let c = part.checksum { sums.append(c) }
            md5s += part.md5
            size += part.size
            sizes.append(part.size)
        }
        let etag = "\(Hex.encode(Digest.md5(md5s)))-\(parts.count)"
        var checksum: ContentChecksum?
        if let kind = upload.checksum {
            // Every part was stored with the upload's algorithm (putPart and copyPart see to it).
            guard sums.count == parts.count else { throw PFSError.corrupt("upload \(id) has parts without a \(kind.algorithm.rawValue) checksum") }
            checksum =
                kind.composite ? ContentChecksum.composite(sums) : ContentChecksum.combined(zip(sums, sizes).map { (checksum: $0, size: $1) })
        }
        if let expectedChecksum, expectedChecksum != checksum {
            throw PFSError.badDigest(
                "the object's \(expectedChecksum.algorithm.rawValue) checksum is not the one given for it"
                    + (checksum == nil ? " (the upload was created without one)" : ""))
        }
        var entry = FileEntry(
            size: size, md5: parts.count == 1 ? staged[parts[0].number]!.md5 : nil, etag: etag,
            contentType: upload.contentType ?? "application/octet-stream", metadata: upload.metadata, commit: .unassigned, modifiedMillis: 0,
            content: .chunks(chunks), partSizes: sizes)
        entry.checksum = checksum
        if checksum != nil { entry.partChecksums = sums }
        let commit = try await writer.submit(
            WriteRequest(repo: upload.repo, target: .branch(upload.branch), ops: [.put(try Paths.key(upload.path), entry, precondition: precondition)]))
        try await metadata.deleteUpload(id)
        return PutResult(commit: commit, size: size, etag: etag, checksum: checksum)
    }
}
