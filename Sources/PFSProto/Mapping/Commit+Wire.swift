public import PFS
import SwiftProtobuf

extension PfsV2_Commit {
    public init(_ repo: RepoID, id: CommitID, branch: String?) {
        self.init()
        self.repo = PfsV2_Repo(repo)
        self.id = id.rawValue
        if let branch { self.branch = PfsV2_Branch(repo, branch) }
    }

    /// A ref as Pachyderm sends it: a branch name alone (`repo@master`), or an ID alone. Refs the
    /// SDK never sends (`branch=id`, ancestry) travel in the ID in pachctl's syntax.
    public init(_ ref: CommitRef) {
        self.init()
        repo = PfsV2_Repo(ref.repo)
        switch (ref.base, ref.offset) {
        case (.branch(let b), .none):
            branch = PfsV2_Branch(ref.repo, b)
        case (.commit(let c), .none):
            id = c.rawValue
        default:
            id = String(ref.description.drop { $0 != "@" }.dropFirst())
        }
    }

    /// The repo a commit names: its own, or its branch's (older clients set only the latter).
    public func repoModel() throws -> RepoID {
        if hasRepo, !repo.name.isEmpty { return try repo.model() }
        return try branch.repo.model()
    }

    /// The ref this commit names: its ID when it has one, else its branch's HEAD.
    public func ref() throws -> CommitRef {
        let repo = try repoModel()
        let text = id.isEmpty ? branch.name : id
        guard !text.isEmpty else { throw PFSError.invalidArgument("the commit of \(repo) names neither a branch nor an ID") }
        return try CommitRef.parse("\(repo.name)@\(text)", project: repo.project)
    }
}

extension PfsV2_CommitInfo {
    public init(_ info: CommitInfo) {
        self.init()
        commit = PfsV2_Commit(info.repo, id: info.id, branch: info.branch)
        origin.kind = .user
        description_p = info.description
        if let parent = info.parent { parentCommit = PfsV2_Commit(info.repo, id: parent, branch: nil) }
        started = Google_Protobuf_Timestamp(date: info.started)
        if let finished = info.finished {
            finishing = Google_Protobuf_Timestamp(date: finished)
            self.finished = Google_Protobuf_Timestamp(date: finished)
        }
        sizeBytesUpperBound = Int64(clamping: info.sizeBytes)
        details.sizeBytes = Int64(clamping: info.sizeBytes)
        fileCount = info.fileCount
    }

    public func model() throws -> CommitInfo {
        guard let id = CommitID(commit.id) else { throw PFSError.invalidArgument("the server sent commit ID '\(commit.id)'") }
        return CommitInfo(
            repo: try commit.repoModel(), id: id, branch: commit.branch.name.isEmpty ? nil : commit.branch.name,
            parent: hasParentCommit ? CommitID(parentCommit.id) : nil, description: description_p, started: started.date,
            finished: hasFinished ? finished.date : nil, sizeBytes: UInt64(clamping: sizeBytesUpperBound), fileCount: fileCount)
    }
}
