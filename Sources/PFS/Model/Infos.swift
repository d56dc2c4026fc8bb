public import Foundation

/// A project.
public struct ProjectInfo: Hashable, Sendable, Codable {
    public var name: String
    public var description: String
    public var created: Date

    public init(name: String, description: String, created: Date) {
        self.name = name
        self.description = description
        self.created = created
    }
}

/// A repo.
public struct RepoInfo: Hashable, Sendable, Codable {
    public var repo: RepoID
    public var description: String
    public var created: Date
    /// Branch names, sorted.
    public var branches: [String]

    public init(repo: RepoID, description: String, created: Date, branches: [String]) {
        self.repo = repo
        self.description = description
        self.created = created
        self.branches = branches
    }
}

/// A branch: a movable pointer to a commit.
public struct BranchInfo: Hashable, Sendable, Codable {
    public var repo: RepoID
    public var name: String
    /// The HEAD commit, or nil for a branch with no commit yet.
    public var head: CommitID?

    public init(repo: RepoID, name: String, head: CommitID?) {
        self.repo = repo
        self.name = name
        self.head = head
    }
}

/// A commit.
public struct CommitInfo: Hashable, Sendable, Codable {
    public var repo: RepoID
    public var id: CommitID
    /// The branch the commit was made on.
    public var branch: String?
    public var parent: CommitID?
    public var description: String
    public var started: Date
    /// nil while the commit is open.
    public var finished: Date?
    /// Total bytes of the files in the commit.
    public var sizeBytes: UInt64
    /// Number of files in the commit.
    public var fileCount: UInt64

    public var isOpen: Bool { finished == nil }

    public init(
        repo: RepoID, id: CommitID, branch: String?, parent: CommitID?, description: String, started: Date, finished: Date?,
        sizeBytes: UInt64, fileCount: UInt64
    ) {
        self.repo = repo
        self.id = id
        self.branch = branch
        self.parent = parent
        self.description = description
        self.started = started
        self.finished = finished
        self.sizeBytes = sizeBytes
        self.fileCount = fileCount
    }
}

/// A file or directory as returned by listings.
public struct FileInfo: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case file, directory }
    /// The path: the S3 key. Directories end with `/`.
    public var path: String
    public var kind: Kind
    /// The stored entry; nil for an implicit directory.
    public var entry: FileEntry?

    public var size: UInt64 { entry?.size ?? 0 }

    public init(path: String, kind: Kind, entry: FileEntry?) {
        self.path = path
        self.kind = kind
        self.entry = entry
    }
}

/// One change between two commits.
public struct FileChange: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case added, modified, deleted }
    public var kind: Kind
    public var path: String
    /// The entry in the older commit (modified, deleted).
    public var old: FileEntry?
    /// The entry in the newer commit (added, modified).
    public var new: FileEntry?

    public init(kind: Kind, path: String, old: FileEntry?, new: FileEntry?) {
        self.kind = kind
        self.path = path
        self.old = old
        self.new = new
    }
}

/// One page of a listing.
public struct ListPage: Sendable {
    /// Files (and explicit directory markers) in key order.
    public var files: [FileInfo]
    /// With a delimiter: the rolled-up prefixes, each ending with the delimiter.
    public var commonPrefixes: [String]
    /// Whether more results follow.
    public var isTruncated: Bool
    /// The last key or prefix returned: pass it as `startAfter` to get the next page.
    public var nextMarker: String?

    public init(files: [FileInfo], commonPrefixes: [String], isTruncated: Bool, nextMarker: String?) {
        self.files = files
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.nextMarker = nextMarker
    }
}

/// One version of a file in a branch's history: the commit that wrote it, or that deleted it.
public struct FileVersion: Hashable, Sendable {
    public var path: String
    public var commit: CommitID
    /// The file as that commit wrote it; nil when the commit deleted it.
    public var entry: FileEntry?
    /// When the commit was made.
    public var time: Date
    /// Whether this is the key's newest version in the history listed.
    public var isLatest: Bool

    public var isDeletion: Bool { entry == nil }

    public init(path: String, commit: CommitID, entry: FileEntry?, time: Date, isLatest: Bool = false) {
        self.path = path
        self.commit = commit
        self.entry = entry
        self.time = time
        self.isLatest = isLatest
    }
}

/// One page of a listing of file versions (S3's ListObjectVersions).
public struct VersionPage: Hashable, Sendable {
    /// Versions in key order, newest first within a key.
    public var versions: [FileVersion]
    /// With a delimiter: the rolled-up prefixes, each ending with the delimiter.
    public var commonPrefixes: [String]
    /// Whether more results follow.
    public var isTruncated: Bool
    /// Where the next page starts, when truncated: after this key (or common prefix)…
    public var nextKeyMarker: String?
    /// …and, when the page ended inside a key's versions, after this version of it.
    public var nextVersionMarker: String?

    public init(versions: [FileVersion], commonPrefixes: [String], isTruncated: Bool, nextKeyMarker: String?, nextVersionMarker: String?) {
        self.versions = versions
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionMarker = nextVersionMarker
    }
}
