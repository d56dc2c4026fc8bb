import Foundation
import PFS
import PFSClient
import Synchronization

/// A gate that tasks wait at until it is opened.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if go { c.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    var isWaitedOn: Bool { state.withLock { !$0.waiters.isEmpty } }
}

/// A client that holds every putFile at a gate before it reads the body, so a test can act while a
/// commit is in the middle of recording a file. Everything else goes straight to `base`.
struct GatedClient: PFSClient {
    let base: any PFSClient
    let puts = Gate()

    func putFile<S: AsyncSequence>(_ ref: CommitRef, path: String, from body: S, options: PutOptions) async throws -> PutResult
    where S.Element: ByteChunk {
        await puts.wait()
        return try await base.putFile(ref, path: path, from: body, options: options)
    }

    func createProject(_ name: String, description: String) async throws { try await base.createProject(name, description: description) }
    func inspectProject(_ name: String) async throws -> ProjectInfo { try await base.inspectProject(name) }
    func listProjects() async throws -> [ProjectInfo] { try await base.listProjects() }
    func deleteProject(_ name: String) async throws { try await base.deleteProject(name) }
    func createRepo(_ repo: RepoID, description: String) async throws { try await base.createRepo(repo, description: description) }
    func inspectRepo(_ repo: RepoID) async throws -> RepoInfo { try await base.inspectRepo(repo) }
    func listRepos(project: String?) async throws -> [RepoInfo] { try await base.listRepos(project: project) }
    func deleteRepo(_ repo: RepoID) async throws { try await base.deleteRepo(repo) }
    func createBranch(_ repo: RepoID, _ name: String, head: CommitRef?, move: Bool) async throws -> BranchInfo {
        try await base.createBranch(repo, name, head: head, move: move)
    }
    func inspectBranch(_ repo: RepoID, _ name: String) async throws -> BranchInfo { try await base.inspectBranch(repo, name) }
    func listBranches(_ repo: RepoID) async throws -> [BranchInfo] { try await base.listBranches(repo) }
    func deleteBranch(_ repo: RepoID, _ name: String) async throws { try await base.deleteBranch(repo, name) }
    func startCommit(_ repo: RepoID, branch: String, parent: CommitRef?, description: String) async throws -> CommitInfo {
        try await base.startCommit(repo, branch: branch, parent: parent, description: description)
    }
    func finishCommit(_ ref: CommitRef, description: String) async throws -> CommitInfo { try await base.finishCommit(ref, description: description) }
    func inspectCommit(_ ref: CommitRef) async throws -> CommitInfo { try await base.inspectCommit(ref) }
    func listCommits(_ repo: RepoID, from ref: CommitRef?, limit: Int) async throws -> [CommitInfo] { try await base.listCommits(repo, from: ref, limit: limit) }
    func subscribeCommits(_ repo: RepoID, branch: String?, from: CommitID?, finishedOnly: Bool) async throws -> AsyncThrowingStream<CommitInfo, any Error> {
        try await base.subscribeCommits(repo, branch: branch, from: from, finishedOnly: finishedOnly)
    }
    func waitForCommit(_ ref: CommitRef) async throws -> CommitInfo { try await base.waitForCommit(ref) }
    func deleteFiles(_ ref: CommitRef, paths: [String], prefixes: [String], ifMatch: [String: String]) async throws -> CommitID {
        try await base.deleteFiles(ref, paths: paths, prefixes: prefixes, ifMatch: ifMatch)
    }
    func copyFile(
        from src: CommitRef, path srcPath: String, to dst: CommitRef, path dstPath: String, replacing: FileAttributes?, checksum: ContentChecksum.Algorithm?,
        precondition: PutPrecondition?
    ) async throws -> CommitID {
        try await base.copyFile(from: src, path: srcPath, to: dst, path: dstPath, replacing: replacing, checksum: checksum, precondition: precondition)
    }
    func createDirectory(_ ref: CommitRef, path: String) async throws -> CommitID { try await base.createDirectory(ref, path: path) }
    func modifyFiles(_ ref: CommitRef, _ body: (any FileChanges) async throws -> Void) async throws { try await base.modifyFiles(ref, body) }
    func inspectFile(_ ref: CommitRef, path: String) async throws -> FileInfo { try await base.inspectFile(ref, path: path) }
    func getFile(_ ref: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        try await base.getFile(ref, path: path, offset: offset, length: length)
    }
    func listFiles(_ ref: CommitRef, prefix: String, startAfter: String?, delimiter: String?, limit: Int) async throws -> ListPage {
        try await base.listFiles(ref, prefix: prefix, startAfter: startAfter, delimiter: delimiter, limit: limit)
    }
    func walkFiles(_ ref: CommitRef, prefix: String) async throws -> [FileInfo] { try await base.walkFiles(ref, prefix: prefix) }
    func globFiles(_ ref: CommitRef, pattern: String) async throws -> [FileInfo] { try await base.globFiles(ref, pattern: pattern) }
    func listVersions(_ ref: CommitRef, prefix: String, keyMarker: String?, versionMarker: String?, delimiter: String?, limit: Int)
        async throws -> VersionPage
    {
        try await base.listVersions(ref, prefix: prefix, keyMarker: keyMarker, versionMarker: versionMarker, delimiter: delimiter, limit: limit)
    }
    func diffFiles(_ new: CommitRef, old: CommitRef?, prefix: String, limit: Int) async throws -> [FileChange] {
        try await base.diffFiles(new, old: old, prefix: prefix, limit: limit)
    }
    func createUpload(_ ref: CommitRef, path: String, contentType: String?, metadata: [String: String], checksum: UploadChecksum?) async throws
        -> UploadInfo
    {
        try await base.createUpload(ref, path: path, contentType: contentType, metadata: metadata, checksum: checksum)
    }
    func inspectUpload(_ id: String) async throws -> UploadInfo { try await base.inspectUpload(id) }
    func listUploads(_ repo: RepoID?) async throws -> [UploadInfo] { try await base.listUploads(repo) }
    func putPart<S: AsyncSequence>(_ id: String, number: Int, from body: S, expectedMD5: [UInt8]?, checksum: BodyChecksum?) async throws -> PartInfo
    where S.Element: ByteChunk {
        try await base.putPart(id, number: number, from: body, expectedMD5: expectedMD5, checksum: checksum)
    }
    func copyPart(_ id: String, number: Int, from src: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> PartInfo {
        try await base.copyPart(id, number: number, from: src, path: path, offset: offset, length: length)
    }
    func listParts(_ id: String) async throws -> [PartInfo] { try await base.listParts(id) }
    func abortUpload(_ id: String) async throws { try await base.abortUpload(id) }
    func completeUpload(
        _ id: String, parts: [(number: Int, etag: String)], expectedChecksum: ContentChecksum?, precondition: PutPrecondition?
    ) async throws -> PutResult {
        try await base.completeUpload(id, parts: parts, expectedChecksum: expectedChecksum, precondition: precondition)
    }
    func isAuthActive() async throws -> Bool { try await base.isAuthActive() }
    func activateAuth() async throws -> String { try await base.activateAuth() }
    func deactivateAuth() async throws { try await base.deactivateAuth() }
    func issueToken(for subject: String) async throws -> String { try await base.issueToken(for: subject) }
    func subject(ofToken token: String) async throws -> String? { try await base.subject(ofToken: token) }
    func garbageCollect(grace: TimeInterval) async throws -> GCReport { try await base.garbageCollect(grace: grace) }
    func checkIntegrity() async throws -> IntegrityReport { try await base.checkIntegrity() }
    func storageSpace() async throws -> StorageSpace? { try await base.storageSpace() }
}
