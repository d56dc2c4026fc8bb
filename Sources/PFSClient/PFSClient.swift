public import Foundation
public import PFS

/// The one API through which every door (the S3 gateway, the mount, the CLI) reaches PFS.
/// ``LocalPFSClient`` serves it in-process; a network implementation will serve it from a remote server.
public protocol PFSClient: Sendable {
    func createProject(_ name: String, description: String) async throws
    func inspectProject(_ name: String) async throws -> ProjectInfo
    func listProjects() async throws -> [ProjectInfo]
    func deleteProject(_ name: String) async throws

    func createRepo(_ repo: RepoID, description: String) async throws
    func inspectRepo(_ repo: RepoID) async throws -> RepoInfo
    func listRepos(project: String?) async throws -> [RepoInfo]
    func deleteRepo(_ repo: RepoID) async throws

    @discardableResult
    func createBranch(_ repo: RepoID, _ name: String, head: CommitRef?, move: Bool) async throws -> BranchInfo
    func inspectBranch(_ repo: RepoID, _ name: String) async throws -> BranchInfo
    func listBranches(_ repo: RepoID) async throws -> [BranchInfo]
    func deleteBranch(_ repo: RepoID, _ name: String) async throws

    func startCommit(_ repo: RepoID, branch: String, parent: CommitRef?, description: String) async throws -> CommitInfo
    @discardableResult
    func finishCommit(_ ref: CommitRef, description: String) async throws -> CommitInfo
    func inspectCommit(_ ref: CommitRef) async throws -> CommitInfo
    func listCommits(_ repo: RepoID, from ref: CommitRef?, limit: Int) async throws -> [CommitInfo]
    /// Commits of `repo` (made on `branch` if given) as they are started, written into and finished: first the
    /// existing ones after `from` (all when nil), oldest first, then each change, until the consumer stops iterating.
    /// With `finishedOnly`, each commit is yielded once, when it is finished. The stream ends, without an error,
    /// when `branch` is set to another commit (not by a commit on it) or deleted, or `repo` deleted.
    func subscribeCommits(_ repo: RepoID, branch: String?, from: CommitID?, finishedOnly: Bool) async throws
        -> AsyncThrowingStream<CommitInfo, any Error>
    /// The commit `ref` names, once it is finished.
    func waitForCommit(_ ref: CommitRef) async throws -> CommitInfo

    func putFile<S: AsyncSequence>(_ ref: CommitRef, path: String, from body: S, options: PutOptions) async throws -> PutResult
    where S.Element: ByteChunk
    /// Deletes `paths` and everything under `prefixes` in one write; a path in `ifMatch` is deleted only if it exists
    /// with that ETag (`*`: any), checked atomically with the write, else nothing is deleted.
    @discardableResult
    func deleteFiles(_ ref: CommitRef, paths: [String], prefixes: [String], ifMatch: [String: String]) async throws -> CommitID
    /// Copies by reference; `replacing` gives a copied file other attributes, `checksum` a whole-content checksum in
    /// that algorithm (the source's if it has it, else computed from its bytes); `precondition` is checked on the
    /// destination, atomically with the write.
    @discardableResult
    func copyFile(
        from src: CommitRef, path srcPath: String, to dst: CommitRef, path dstPath: String, replacing: FileAttributes?,
        checksum: ContentChecksum.Algorithm?, precondition: PutPrecondition?
    ) async throws -> CommitID
    @discardableResult
    func createDirectory(_ ref: CommitRef, path: String) async throws -> CommitID
    /// Applies the changes `body` makes, in order, as one write: to a branch whose HEAD is finished,
    /// one new commit holding all of them; into an open commit, all at once. When `body` throws,
    /// nothing is applied.
    func modifyFiles(_ ref: CommitRef, _ body: (any FileChanges) async throws -> Void) async throws
    func inspectFile(_ ref: CommitRef, path: String) async throws -> FileInfo
    /// Looks the file at `path` up once, as ``inspectFile(_:path:)`` does, and returns it with reads of
    /// that version: one resolution of `ref` where an inspect and a get would make two.
    func openFile(_ ref: CommitRef, path: String) async throws -> OpenedFile
    func getFile(_ ref: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error>
    func listFiles(_ ref: CommitRef, prefix: String, startAfter: String?, delimiter: String?, limit: Int) async throws -> ListPage
    func walkFiles(_ ref: CommitRef, prefix: String) async throws -> [FileInfo]
    func globFiles(_ ref: CommitRef, pattern: String) async throws -> [FileInfo]
    /// One page of the versions of the files under `prefix` in the history of `ref` (S3's ListObjectVersions):
    /// in key order, newest first within a key, deletions included. It resumes after `keyMarker`, or, with
    /// `versionMarker`, after that version of `keyMarker`; with a `delimiter`, keys roll up into common
    /// prefixes. At most `limit` versions and prefixes together.
    func listVersions(_ ref: CommitRef, prefix: String, keyMarker: String?, versionMarker: String?, delimiter: String?, limit: Int)
        async throws -> VersionPage
    func diffFiles(_ new: CommitRef, old: CommitRef?, prefix: String, limit: Int) async throws -> [FileChange]

    func createUpload(_ ref: CommitRef, path: String, contentType: String?, metadata: [String: String], checksum: UploadChecksum?) async throws
        -> UploadInfo
    func inspectUpload(_ id: String) async throws -> UploadInfo
    func listUploads(_ repo: RepoID?) async throws -> [UploadInfo]
    func putPart<S: AsyncSequence>(_ id: String, number: Int, from body: S, expectedMD5: [UInt8]?, checksum: BodyChecksum?) async throws -> PartInfo
    where S.Element: ByteChunk
    func copyPart(_ id: String, number: Int, from src: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> PartInfo
    func listParts(_ id: String) async throws -> [PartInfo]
    func abortUpload(_ id: String) async throws
    /// Makes the parts one file in one commit; `precondition` is checked on the upload's path, atomically with it.
    func completeUpload(
        _ id: String, parts: [(number: Int, etag: String)], expectedChecksum: ContentChecksum?, precondition: PutPrecondition?
    ) async throws -> PutResult

    func isAuthActive() async throws -> Bool
    /// Turns auth on; returns the root token (shown once).
    func activateAuth() async throws -> String
    func deactivateAuth() async throws
    func issueToken(for subject: String) async throws -> String
    /// The subject of a token, nil when the token is unknown.
    func subject(ofToken token: String) async throws -> String?

    func garbageCollect(grace: TimeInterval) async throws -> GCReport
    func checkIntegrity() async throws -> IntegrityReport
    /// The room the server's store has for new data; nil when the store cannot tell.
    func storageSpace() async throws -> StorageSpace?
}

extension PFSClient {
    @discardableResult
    public func deleteFiles(_ ref: CommitRef, paths: [String], prefixes: [String]) async throws -> CommitID {
        try await deleteFiles(ref, paths: paths, prefixes: prefixes, ifMatch: [:])
    }

    @discardableResult
    public func copyFile(
        from src: CommitRef, path srcPath: String, to dst: CommitRef, path dstPath: String, replacing: FileAttributes? = nil
    ) async throws -> CommitID {
        try await copyFile(from: src, path: srcPath, to: dst, path: dstPath, replacing: replacing, checksum: nil, precondition: nil)
    }

    public func completeUpload(_ id: String, parts: [(number: Int, etag: String)], expectedChecksum: ContentChecksum? = nil) async throws -> PutResult {
        try await completeUpload(id, parts: parts, expectedChecksum: expectedChecksum, precondition: nil)
    }

    public func createRepo(_ repo: RepoID) async throws { try await createRepo(repo, description: "") }

    public func putFile<S: AsyncSequence>(_ ref: CommitRef, path: String, from body: S) async throws -> PutResult where S.Element: ByteChunk {
        try await putFile(ref, path: path, from: body, options: PutOptions())
    }

    public func putFile<S: AsyncSequence>(
        _ ref: CommitRef, path: String, from body: S, contentType: String?, metadata: [String: String], append: Bool
    ) async throws -> PutResult where S.Element: ByteChunk {
        try await putFile(ref, path: path, from: body, options: PutOptions(contentType: contentType, metadata: metadata, append: append))
    }

    /// Puts `bytes` at `path`.
    public func putFile(_ ref: CommitRef, path: String, bytes: [UInt8], append: Bool = false) async throws -> PutResult {
        try await putFile(ref, path: path, from: [bytes].async, options: PutOptions(append: append))
    }

    /// ``openFile(_:path:)`` composed of the other calls: `ref` resolved to its commit, then the file
    /// inspected and read in that commit.
    public func openFile(_ ref: CommitRef, path: String) async throws -> OpenedFile {
        let pinned: CommitRef
        switch (ref.base, ref.offset) {
        case (.commit, .none), (.branchCommit, .none): pinned = ref
        default: pinned = .commit(ref.repo, try await inspectCommit(ref).id)
        }
        let info = try await inspectFile(pinned, path: path)
        return OpenedFile(info: info) { offset, length in try await getFile(pinned, path: path, offset: offset, length: length) }
    }

    /// The whole content of a file, for small files.
    public func readFile(_ ref: CommitRef, path: String) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await piece in try await getFile(ref, path: path, offset: 0, length: nil) { out += piece }
        return out
    }
}

/// The changes of one ``PFSClient/modifyFiles(_:_:)``, applied in the order they are made. A copy
/// reads its source as it was before the call.
public protocol FileChanges {
    /// Streams `body` into the file at `path`, replacing it, or with `append` appending to it.
    func putFile<S: AsyncSequence>(path: String, from body: S, append: Bool) async throws where S.Element: ByteChunk
    /// Deletes the files at `paths` and every file under each of `prefixes`; missing ones are ignored.
    func deleteFiles(paths: [String], prefixes: [String]) async throws
    /// Copies a file, or with a directory path every file under it, by reference.
    func copyFile(from src: CommitRef, path srcPath: String, to dstPath: String) async throws
}

extension FileBatch: FileChanges {}
