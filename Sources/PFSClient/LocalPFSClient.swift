public import Foundation
public import PFS

/// The client API served in-process by an engine.
public struct LocalPFSClient: PFSClient {
    public let engine: PFSEngine

    public init(engine: PFSEngine) { self.engine = engine }

    /// A client on the embedded store in `dataDirectory`.
    public init(dataDirectory: String) throws { engine = try PFSEngine(dataDirectory: dataDirectory) }

    public func createProject(_ name: String, description: String) async throws { try await engine.createProject(name, description: description) }
    public func inspectProject(_ name: String) async throws -> ProjectInfo { try await engine.inspectProject(name) }
    public func listProjects() async throws -> [ProjectInfo] { try await engine.listProjects() }
    public func deleteProject(_ name: String) async throws { try await engine.deleteProject(name) }

    public func createRepo(_ repo: RepoID, description: String) async throws { try await engine.createRepo(repo, description: description) }
    public func inspectRepo(_ repo: RepoID) async throws -> RepoInfo { try await engine.inspectRepo(repo) }
    public func listRepos(project: String?) async throws -> [RepoInfo] { try await engine.listRepos(project: project) }
    public func deleteRepo(_ repo: RepoID) async throws { try await engine.deleteRepo(repo) }

    public func createBranch(_ repo: RepoID, _ name: String, head: CommitRef?, move: Bool) async throws -> BranchInfo {
        try await engine.createBranch(repo, name, head: head, move: move)
    }
    public func inspectBranch(_ repo: RepoID, _ name: String) async throws -> BranchInfo { try await engine.inspectBranch(repo, name) }
    public func listBranches(_ repo: RepoID) async throws -> [BranchInfo] { try await engine.listBranches(repo) }
    public func deleteBranch(_ repo: RepoID, _ name: String) async throws { try await engine.deleteBranch(repo, name) }

    public func startCommit(_ repo: RepoID, branch: String, parent: CommitRef?, description: String) async throws -> CommitInfo {
        try await engine.startCommit(repo, branch: branch, parent: parent, description: description)
    }
    public func finishCommit(_ ref: CommitRef, description: String) async throws -> CommitInfo {
        try await engine.finishCommit(ref, description: description)
    }
    public func inspectCommit(_ ref: CommitRef) async throws -> CommitInfo { try await engine.inspectCommit(ref) }
    public func listCommits(_ repo: RepoID, from ref: CommitRef?, limit: Int) async throws -> [CommitInfo] {
        try await engine.listCommits(repo, from: ref, limit: limit)
    }
    public func subscribeCommits(_ repo: RepoID, branch: String?, from: CommitID?, finishedOnly: Bool) async throws
        -> AsyncThrowingStream<CommitInfo, any Error>
    {
        try await engine.subscribeCommits(repo, branch: branch, from: from, finishedOnly: finishedOnly)
    }
    public func waitForCommit(_ ref: CommitRef) async throws -> CommitInfo { try await engine.waitForCommit(ref) }

    public func putFile<S: AsyncSequence>(_ ref: CommitRef, path: String, from body: S, options: PutOptions) async throws -> PutResult
    where S.Element: ByteChunk {
        try await engine.putFile(ref, path: path, from: body, options: options)
    }
    public func deleteFiles(_ ref: CommitRef, paths: [String], prefixes: [String], ifMatch: [String: String]) async throws -> CommitID {
        try await engine.deleteFiles(ref, paths: paths, prefixes: prefixes, ifMatch: ifMatch)
    }
    public func copyFile(
        from src: CommitRef, path srcPath: String, to dst: CommitRef, path dstPath: String, replacing: FileAttributes?,
        checksum: ContentChecksum.Algorithm?, precondition: PutPrecondition?
    ) async throws -> CommitID {
        try await engine.copyFile(from: src, path: srcPath, to: dst, path: dstPath, replacing: replacing, checksum: checksum, precondition: precondition)
    }
    public func createDirectory(_ ref: CommitRef, path: String) async throws -> CommitID { try await engine.createDirectory(ref, path: path) }
    public func modifyFiles(_ ref: CommitRef, _ body: (any FileChanges) async throws -> Void) async throws {
        try await engine.modifyFiles(ref) { try await body($0) }
    }
    public func inspectFile(_ ref: CommitRef, path: String) async throws -> FileInfo { try await engine.inspectFile(ref, path: path) }
    public func getFile(_ ref: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        Self.stream(try await engine.getFile(ref, path: path, offset: offset, length: length))
    }
    public func openFile(_ ref: CommitRef, path: String) async throws -> OpenedFile {
        let info = try await engine.inspectFile(ref, path: path)
        return OpenedFile(info: info, source: EntrySource(engine: engine, info: info, path: path))
    }
    public func listFiles(_ ref: CommitRef, prefix: String, startAfter: String?, delimiter: String?, limit: Int) async throws -> ListPage {
        try await engine.listFiles(ref, prefix: prefix, startAfter: startAfter, delimiter: delimiter, limit: limit)
    }
    public func walkFiles(_ ref: CommitRef, prefix: String) async throws -> [FileInfo] { try await engine.walkFiles(ref, prefix: prefix) }
    public func globFiles(_ ref: CommitRef, pattern: String) async throws -> [FileInfo] { try await engine.globFiles(ref, pattern: pattern) }
    public func listVersions(_ ref: CommitRef, prefix: String, keyMarker: String?, versionMarker: String?, delimiter: String?, limit: Int)
        async throws -> VersionPage
    {
        try await engine.listVersions(ref, prefix: prefix, keyMarker: keyMarker, versionMarker: versionMarker, delimiter: delimiter, limit: limit)
    }
    public func diffFiles(_ new: CommitRef, old: CommitRef?, prefix: String, limit: Int) async throws -> [FileChange] {
        try await engine.diffFiles(new, old: old, prefix: prefix, limit: limit)
    }

    public func createUpload(_ ref: CommitRef, path: String, contentType: String?, metadata: [String: String], checksum: UploadChecksum?)
        async throws -> UploadInfo
    {
        try await engine.createUpload(ref, path: path, contentType: contentType, metadata: metadata, checksum: checksum)
    }
    public func inspectUpload(_ id: String) async throws -> UploadInfo { try await engine.inspectUpload(id) }
    public func listUploads(_ repo: RepoID?) async throws -> [UploadInfo] { try await engine.listUploads(repo) }
    public func putPart<S: AsyncSequence>(_ id: String, number: Int, from body: S, expectedMD5: [UInt8]?, checksum: BodyChecksum?) async throws
        -> PartInfo
    where S.Element: ByteChunk {
        try await engine.putPart(id, number: number, from: body, expectedMD5: expectedMD5, checksum: checksum)
    }
    public func copyPart(_ id: String, number: Int, from src: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> PartInfo {
        try await engine.copyPart(id, number: number, from: src, path: path, offset: offset, length: length)
    }
    public func listParts(_ id: String) async throws -> [PartInfo] { try await engine.listParts(id) }
    public func abortUpload(_ id: String) async throws { try await engine.abortUpload(id) }
    public func completeUpload(
        _ id: String, parts: [(number: Int, etag: String)], expectedChecksum: ContentChecksum?, precondition: PutPrecondition?
    ) async throws -> PutResult {
        try await engine.completeUpload(id, parts: parts, expectedChecksum: expectedChecksum, precondition: precondition)
    }

    public func isAuthActive() async throws -> Bool { try await engine.isAuthActive() }
    public func activateAuth() async throws -> String { try await engine.activateAuth() }
    public func deactivateAuth() async throws { try await engine.deactivateAuth() }
    public func issueToken(for subject: String) async throws -> String { try await engine.issueToken(for: subject) }
    public func subject(ofToken token: String) async throws -> String? { try await engine.subject(ofToken: token) }

    public func garbageCollect(grace: TimeInterval) async throws -> GCReport { try await engine.garbageCollect(grace: grace) }
    public func checkIntegrity() async throws -> IntegrityReport { try await engine.checkIntegrity() }
    public func storageSpace() async throws -> StorageSpace? { try await engine.storageSpace() }
}

extension LocalPFSClient {
    static func stream<Bytes>(_ reader: FileReader<Bytes>) -> AsyncThrowingStream<Bytes, any Error> {
        let box = IteratorBox(reader)
        return AsyncThrowingStream { try await box.iterator.next() }
    }
}

/// The file version an ``OpenedFile`` found, read from the engine straight into the caller's chunk type.
private struct EntrySource: FileBytesSource {
    let engine: PFSEngine
    let info: FileInfo
    let path: String

    func read<Bytes: FillableByteChunk>(offset: UInt64, length: UInt64?, as: Bytes.Type) async throws -> AsyncThrowingStream<Bytes, any Error> {
        // What inspectFile found at `path` itself is the file getFile would read; anything else is a directory.
        guard let entry = info.entry, info.path == path else { throw PFSError.failedPrecondition("'\(path)' is a directory") }
        return LocalPFSClient.stream(try await engine.reader(entry, offset: offset, length: length, as: Bytes.self))
    }
}
