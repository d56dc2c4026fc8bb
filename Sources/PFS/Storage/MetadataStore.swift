public import Foundation

/// A commit as the metadata store keeps it.
public struct CommitRecord: Hashable, Sendable {
    public var repo: RepoID
    public var id: CommitID
    public var branch: String?
    public var parent: CommitID?
    /// The root of the commit's file tree (nil: no file).
    public var root: Digest?
    public var description: String
    public var started: Date
    public var finished: Date?
    public var fileCount: UInt64
    public var sizeBytes: UInt64
    /// The root of the commit's tombstone tree: every key deleted in its history and not written since,
    /// with the deletion (nil: none).
    public var tombstones: Digest?
    /// Whether every commit of its history, from the first on, links each file version to the one
    /// before (so versions are listed by following links); false for histories begun before links existed.
    public var versionsLinked: Bool

    public init(
        repo: RepoID, id: CommitID, branch: String?, parent: CommitID?, root: Digest?, description: String, started: Date,
        finished: Date?, fileCount: UInt64, sizeBytes: UInt64, tombstones: Digest?, versionsLinked: Bool
    ) {
        self.repo = repo
        self.id = id
        self.branch = branch
        self.parent = parent
        self.root = root
        self.description = description
        self.started = started
        self.finished = finished
        self.fileCount = fileCount
        self.sizeBytes = sizeBytes
        self.tombstones = tombstones
        self.versionsLinked = versionsLinked
    }
}

/// A set of metadata changes applied atomically and durably (one transaction, one sync).
public struct MetadataTransaction: Sendable {
    /// A branch HEAD move guarded by compare-and-swap.
    public struct BranchMove: Sendable {
        public var repo: RepoID
        public var branch: String
        /// The HEAD the branch must have for the move to apply; `.some(nil)`: the branch has no commit.
        public var expected: CommitID?
        public var new: CommitID
        /// Create the branch if it does not exist (then `expected` must be nil).
        public var create: Bool
    }

    /// An update of an open commit's tree (and optionally its finishing), guarded by its current root.
    public struct CommitUpdate: Sendable {
        public var id: CommitID
        public var expectedRoot: Digest?
        public var root: Digest?
        public var tombstones: Digest?
        public var fileCount: UInt64
        public var sizeBytes: UInt64
        public var finished: Date?
        /// A new description (set when finishing with one).
        public var description: String? = nil
    }

    public var nodes: [Digest: [UInt8]] = [:]
    public var chunks: [Digest: [UInt8]] = [:]
    public var newCommits: [CommitRecord] = []
    public var commitUpdates: [CommitUpdate] = []
    public var branchMoves: [BranchMove] = []

    public init() {}

    public var isEmpty: Bool { nodes.isEmpty && chunks.isEmpty && newCommits.isEmpty && commitUpdates.isEmpty && branchMoves.isEmpty }
}

/// The metadata store: projects, repos, branches, commits, tree nodes and small chunks.
///
/// Implementations must make ``apply(_:)`` atomic and durable on return, move branch HEADs only by
/// compare-and-swap, and let readers proceed while a writer works. Nodes and chunks are immutable.
public protocol MetadataStore: Sendable {
    func createProject(_ info: ProjectInfo) async throws
    func project(_ name: String) async throws -> ProjectInfo?
    func listProjects() async throws -> [ProjectInfo]
    /// Deletes an empty project; fails if it has repos.
    func deleteProject(_ name: String) async throws

    func createRepo(_ repo: RepoID, description: String, created: Date) async throws
    /// The repo with its branch names, or nil.
    func repo(_ repo: RepoID) async throws -> RepoInfo?
    func listRepos(project: String?) async throws -> [RepoInfo]
    /// Deletes the repo with its branches and commits.
    func deleteRepo(_ repo: RepoID) async throws

    func branch(_ repo: RepoID, _ name: String) async throws -> BranchInfo?
    func listBranches(_ repo: RepoID) async throws -> [BranchInfo]
    /// Creates a branch, or moves it to `head` when `move` is true; fails if it exists and `move` is false.
    func setBranch(_ repo: RepoID, _ name: String, head: CommitID?, move: Bool) async throws
    /// Deletes the branch and the given commits (those only it reached) in one transaction.
    func deleteBranch(_ repo: RepoID, _ name: String, deletingCommits: [CommitID]) async throws

    func commit(_ repo: RepoID, _ id: CommitID) async throws -> CommitRecord?
    /// Commits of a repo, newest first; `limit` 0 means all.
    func listCommits(_ repo: RepoID, limit: Int) async throws -> [CommitRecord]
    /// Every commit of every repo (for garbage collection and integrity checks).
    func allCommits() async throws -> [CommitRecord]

    func createUpload(_ upload: UploadInfo) async throws
    func upload(_ id: String) async throws -> UploadInfo?
    /// Uploads of a repo, oldest first; all repos when nil.
    func listUploads(_ repo: RepoID?) async throws -> [UploadInfo]
    /// Records a part (replacing one of the same number) with the small chunks it references, durably.
    func putPart(_ part: PartRecord, smallChunks: [Digest: [UInt8]]) async throws
    /// The parts of an upload by number.
    func parts(_ uploadID: String) async throws -> [PartRecord]
    /// Deletes an upload and its parts; returns whether it existed.
    @discardableResult
    func deleteUpload(_ id: String) async throws -> Bool

    /// Whether authentication is on.
    func authActive() async throws -> Bool
    /// Turns authentication on with a first (root) token, or off, dropping every token.
    func setAuth(active: Bool, rootTokenHash: [UInt8]?) async throws
    /// Records a token by its SHA-256, for `subject`.
    func putToken(hash: [UInt8], subject: String, created: Date) async throws
    /// The subject of the token with this SHA-256, if any.
    func tokenSubject(hash: [UInt8]) async throws -> String?

    func node(_ digest: Digest) async throws -> [UInt8]?
    func chunk(_ digest: Digest) async throws -> [UInt8]?
    /// Digests of all stored nodes and small chunks.
    func storedObjects() async throws -> (nodes: [Digest], chunks: [Digest])

    /// Applies `transaction` atomically and durably. Throws ``MetadataConflict`` when a guard fails.
    func apply(_ transaction: MetadataTransaction) async throws

    /// Runs `mark` to find what is reachable and deletes every other node and small chunk, excluding
    /// writers meanwhile so nothing committed during the sweep is lost. Returns the marked set and what was deleted.
    func sweep(mark: @Sendable (MetadataSnapshot) throws -> Set<Digest>) async throws -> (live: Set<Digest>, nodes: Int, chunks: Int)
}

/// Synchronous read access during a sweep.
public protocol MetadataSnapshot {
    func allCommits() throws -> [CommitRecord]
    /// Every staged part of every upload.
    func allParts() throws -> [PartRecord]
    func node(_ digest: Digest) throws -> [UInt8]?
}

/// A compare-and-swap guard of a ``MetadataTransaction`` failed: someone else moved first.
public struct MetadataConflict: Error, Sendable, CustomStringConvertible {
    public var description: String
}
