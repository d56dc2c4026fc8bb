public import PFS
import SwiftProtobuf

extension PfsV2_Project {
    public init(_ name: String) {
        self.init()
        self.name = name
    }
}

extension PfsV2_Repo {
    public init(_ repo: RepoID) {
        self.init()
        name = repo.name
        type = "user"
        project = PfsV2_Project(repo.project)
    }

    /// The repo, in the default project when none is named; invalid names are refused.
    public func model() throws -> RepoID {
        let repo = RepoID(name, project: project.name.isEmpty ? Names.defaultProject : project.name)
        try repo.validate()
        return repo
    }
}

extension PfsV2_Branch {
    public init(_ repo: RepoID, _ name: String) {
        self.init()
        self.repo = PfsV2_Repo(repo)
        self.name = name
    }
}

extension PfsV2_ProjectInfo {
    public init(_ info: ProjectInfo) {
        self.init()
        project = PfsV2_Project(info.name)
        description_p = info.description
        createdAt = Google_Protobuf_Timestamp(date: info.created)
    }

    public func model() -> ProjectInfo {
        ProjectInfo(name: project.name, description: description_p, created: createdAt.date)
    }
}

extension PfsV2_RepoInfo {
    public init(_ info: RepoInfo) {
        self.init()
        repo = PfsV2_Repo(info.repo)
        created = Google_Protobuf_Timestamp(date: info.created)
        description_p = info.description
        branches = info.branches.map { PfsV2_Branch(info.repo, $0) }
    }

    public func model() throws -> RepoInfo {
        RepoInfo(repo: try repo.model(), description: description_p, created: created.date, branches: branches.map(\.name))
    }
}

extension PfsV2_BranchInfo {
    public init(_ info: BranchInfo) {
        self.init()
        branch = PfsV2_Branch(info.repo, info.name)
        if let head = info.head { self.head = PfsV2_Commit(info.repo, id: head, branch: info.name) }
    }

    public func model() throws -> BranchInfo {
        BranchInfo(repo: try branch.repo.model(), name: branch.name, head: hasHead ? CommitID(head.id) : nil)
    }
}
