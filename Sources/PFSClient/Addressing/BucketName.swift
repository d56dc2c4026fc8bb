public import PFS

/// An S3 bucket name as pachs3 maps it to PFS: `[<commitID>.]<branch>.<repo>[.<project>]`.
/// A single name `repo` means `master.repo`; a bucket with a commit ID is a read-only snapshot.
public struct BucketName: Hashable, Sendable, CustomStringConvertible {
    public var repo: RepoID
    public var branch: String
    /// Set for a commit-pinned (read-only) bucket.
    public var commit: CommitID?

    public init(repo: RepoID, branch: String, commit: CommitID? = nil) {
        self.repo = repo
        self.branch = branch
        self.commit = commit
    }

    /// Parses a bucket name; throws ``PFSError/invalidArgument(_:)`` saying what is wrong.
    public init(parsing name: String) throws {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var commit: CommitID?
        var rest = parts[...]
        if parts.count >= 3, let c = CommitID(parts[0]) {
            commit = c
            rest = rest.dropFirst()
        }
        let branch: String
        let repo: RepoID
        switch rest.count {
        case 1 where commit == nil:
            branch = "master"
            repo = RepoID(rest[rest.startIndex])
        case 2:
            branch = rest[rest.startIndex]
            repo = RepoID(rest[rest.startIndex + 1])
        case 3:
            branch = rest[rest.startIndex]
            repo = RepoID(rest[rest.startIndex + 1], project: rest[rest.startIndex + 2])
        default:
            throw PFSError.invalidArgument("bucket '\(name)' is not of the form [commit.]branch.repo[.project]")
        }
        do {
            try repo.validate()
            try Names.validateBranch(branch)
        } catch let e as PFSError {
            throw PFSError.invalidArgument("bucket '\(name)': \(e.message)")
        }
        self.init(repo: repo, branch: branch, commit: commit)
    }

    /// `branch.repo` for the default project, `branch.repo.project` otherwise, prefixed by the commit when pinned.
    public var description: String {
        var s = "\(branch).\(repo.name)"
        if repo.project != Names.defaultProject { s += ".\(repo.project)" }
        if let commit { s = "\(commit).\(s)" }
        return s
    }

    /// Whether writes are refused (a commit-pinned bucket).
    public var isReadOnly: Bool { commit != nil }

    /// The commit this bucket reads: the pinned commit, or the branch HEAD.
    public var ref: CommitRef {
        if let commit { return CommitRef(repo: repo, base: .branchCommit(branch, commit)) }
        return .branch(repo, branch)
    }

    /// The ref that reads `versionId` of this bucket's objects.
    public func ref(version: VersionID) -> CommitRef { CommitRef(repo: repo, base: .commit(version.commit)) }
}
