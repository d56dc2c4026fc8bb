import Foundation
public import PFS
import SwiftProtobuf

extension Pachs3V1_PutResult {
    public init(_ r: PutResult) {
        self.init()
        commitID = r.commit.rawValue
        size = r.size
        etag = r.etag
        if let c = r.checksum { checksum = Pachs3V1_Checksum(c) }
    }

    public func model() throws -> PutResult {
        PutResult(commit: try wireCommitID(commitID), size: size, etag: etag, checksum: hasChecksum ? try checksum.model() : nil)
    }
}

extension Pachs3V1_CommitResult {
    public init(_ id: CommitID) {
        self.init()
        commitID = id.rawValue
    }

    public func model() throws -> CommitID { try wireCommitID(commitID) }
}

extension Pachs3V1_Checksum {
    public init(_ c: ContentChecksum) {
        self.init()
        algorithm = c.algorithm.rawValue
        value = Data(c.value)
        parts = UInt32(clamping: c.parts ?? 0)
    }

    public func model() throws -> ContentChecksum {
        guard let a = ContentChecksum.Algorithm(rawValue: algorithm), let c = ContentChecksum(a, value: Array(value), parts: parts == 0 ? nil : Int(parts))
        else { throw PFSError.invalidArgument("bad checksum: algorithm '\(algorithm)' with a \(value.count)-byte value") }
        return c
    }
}

extension Pachs3V1_WritePrecondition {
    public init(_ p: PutPrecondition) {
        self.init()
        switch p {
        case .absent: ifAbsent = true
        case .etag(let e): ifEtag = e
        }
    }

    /// The condition, nil when the message names none.
    public var model: PutPrecondition? {
        switch condition {
        case .ifAbsent(true)?: .absent
        case .ifEtag(let e)?: .etag(e)
        default: nil
        }
    }
}

extension ContentChecksum.Algorithm {
    /// The algorithm a wire field names: nil for an empty one.
    public init?(wire name: String) throws {
        if name.isEmpty { return nil }
        guard let a = ContentChecksum.Algorithm(rawValue: name) else { throw PFSError.invalidArgument("unknown checksum algorithm '\(name)'") }
        self = a
    }
}

extension UploadChecksum {
    /// The upload checksum named by wire fields: nil for an empty algorithm.
    public init?(wire algorithm: String, composite: Bool) throws {
        if algorithm.isEmpty { return nil }
        guard let a = ContentChecksum.Algorithm(rawValue: algorithm), let c = UploadChecksum(a, composite: composite) else {
            throw PFSError.invalidArgument("bad upload checksum: \(composite ? "composite" : "full-object") '\(algorithm)'")
        }
        self = c
    }
}

/// A commit ID from the server, checked.
public func wireCommitID(_ text: String) throws -> CommitID {
    guard let id = CommitID(text) else { throw PFSError.io("the server sent '\(text)' for a commit ID") }
    return id
}

extension Pachs3V1_UploadInfo {
    public init(_ u: UploadInfo) {
        self.init()
        id = u.id
        repo = PfsV2_Repo(u.repo)
        branch = u.branch
        path = u.path
        if let ct = u.contentType { contentType = ct }
        metadata = u.metadata
        created = Google_Protobuf_Timestamp(date: u.created)
        if let c = u.checksum {
            checksumAlgorithm = c.algorithm.rawValue
            checksumComposite = c.composite
        }
    }

    public func model() throws -> UploadInfo {
        UploadInfo(
            id: id, repo: try repo.model(), branch: branch, path: path, contentType: hasContentType ? contentType : nil, metadata: metadata,
            created: created.date, checksum: try UploadChecksum(wire: checksumAlgorithm, composite: checksumComposite))
    }
}

extension Pachs3V1_PartInfo {
    public init(_ p: PartInfo) {
        self.init()
        number = Int64(p.number)
        size = p.size
        etag = p.etag
        created = Google_Protobuf_Timestamp(date: p.created)
        if let c = p.checksum { checksum = Pachs3V1_Checksum(c) }
    }

    public func model() throws -> PartInfo {
        PartInfo(number: Int(number), size: size, etag: etag, created: created.date, checksum: hasChecksum ? try checksum.model() : nil)
    }
}

extension Pachs3V1_FileChange {
    public init(_ c: FileChange, commit: PfsV2_Commit) {
        self.init()
        kind = c.kind.rawValue
        path = c.path
        if let e = c.old { old = PfsV2_FileInfo(FileInfo(path: c.path, kind: .file, entry: e), commit: commit) }
        if let e = c.new { new = PfsV2_FileInfo(FileInfo(path: c.path, kind: .file, entry: e), commit: commit) }
    }

    public func model() throws -> FileChange {
        guard let k = FileChange.Kind(rawValue: kind) else { throw PFSError.io("the server sent change kind '\(kind)'") }
        return FileChange(kind: k, path: path, old: hasOld ? old.model().entry : nil, new: hasNew ? new.model().entry : nil)
    }
}

extension Pachs3V1_FileVersion {
    public init(_ v: FileVersion, commit: PfsV2_Commit) {
        self.init()
        path = v.path
        commitID = v.commit.rawValue
        if let e = v.entry { entry = PfsV2_FileInfo(FileInfo(path: v.path, kind: .file, entry: e), commit: commit) }
        time = Google_Protobuf_Timestamp(date: v.time)
        isLatest = v.isLatest
    }

    public func model() throws -> FileVersion {
        FileVersion(path: path, commit: try wireCommitID(commitID), entry: hasEntry ? entry.model().entry : nil, time: time.date, isLatest: isLatest)
    }
}

extension Pachs3V1_ListVersionsResponse {
    public init(_ page: VersionPage, commit: PfsV2_Commit) {
        self.init()
        versions = page.versions.map { Pachs3V1_FileVersion($0, commit: commit) }
        commonPrefixes = page.commonPrefixes
        isTruncated = page.isTruncated
        if let m = page.nextKeyMarker { nextKeyMarker = m }
        if let m = page.nextVersionMarker { nextVersionMarker = m }
    }

    public func model() throws -> VersionPage {
        VersionPage(
            versions: try versions.map { try $0.model() }, commonPrefixes: commonPrefixes, isTruncated: isTruncated,
            nextKeyMarker: hasNextKeyMarker ? nextKeyMarker : nil, nextVersionMarker: hasNextVersionMarker ? nextVersionMarker : nil)
    }
}

extension Pachs3V1_ListFilesResponse {
    public init(_ page: ListPage, commit: PfsV2_Commit) {
        self.init()
        files = page.files.map { PfsV2_FileInfo($0, commit: commit) }
        commonPrefixes = page.commonPrefixes
        isTruncated = page.isTruncated
        if let m = page.nextMarker { nextMarker = m }
    }

    /// The page; file paths here are keys as they are (no leading `/` added or dropped).
    public func model() -> ListPage {
        ListPage(
            files: files.map { $0.model() }, commonPrefixes: commonPrefixes, isTruncated: isTruncated,
            nextMarker: hasNextMarker ? nextMarker : nil)
    }
}

extension Pachs3V1_GCReport {
    public init(_ r: GCReport) {
        self.init()
        nodesDeleted = Int64(r.nodesDeleted)
        smallChunksDeleted = Int64(r.smallChunksDeleted)
        blobsDeleted = Int64(r.blobsDeleted)
        blobsKept = Int64(r.blobsKept)
        bytesFreed = r.bytesFreed
        temporariesRemoved = Int64(r.temporariesRemoved)
        uploadsExpired = Int64(r.uploadsExpired)
    }

    public func model() -> GCReport {
        var r = GCReport()
        r.nodesDeleted = Int(nodesDeleted)
        r.smallChunksDeleted = Int(smallChunksDeleted)
        r.blobsDeleted = Int(blobsDeleted)
        r.blobsKept = Int(blobsKept)
        r.bytesFreed = bytesFreed
        r.temporariesRemoved = Int(temporariesRemoved)
        r.uploadsExpired = Int(uploadsExpired)
        return r
    }
}

extension Pachs3V1_IntegrityReport {
    public init(_ r: IntegrityReport) {
        self.init()
        commits = Int64(r.commits)
        nodes = Int64(r.nodes)
        chunks = Int64(r.chunks)
        bytesVerified = r.bytesVerified
        problems = r.problems
    }

    public func model() -> IntegrityReport {
        var r = IntegrityReport()
        r.commits = Int(commits)
        r.nodes = Int(nodes)
        r.chunks = Int(chunks)
        r.bytesVerified = bytesVerified
        r.problems = problems
        return r
    }
}

extension Pachs3V1_StorageSpace {
    public init(_ space: StorageSpace?) {
        self.init()
        guard let space else { return }
        known = true
        totalBytes = space.totalBytes
        availableBytes = space.availableBytes
        freeBytes = space.freeBytes
    }

    public func model() -> StorageSpace? {
        known ? StorageSpace(totalBytes: totalBytes, freeBytes: freeBytes, availableBytes: availableBytes) : nil
    }
}
