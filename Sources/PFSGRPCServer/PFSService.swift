import GRPCCore
import Logging
import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

/// `pfs_v2.API`: projects, repos, branches, commits and files, each RPC one or a few calls of the
/// client API.
struct PFSService: PfsV2_API.SimpleServiceProtocol {
    let client: any PFSClient
    let logger: Logger
    let shutdown: ShutdownSignal

    // MARK: projects

    func createProject(request: PfsV2_CreateProjectRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            do {
                try await client.createProject(request.project.name, description: request.description_p)
            } catch PFSError.alreadyExists(_) where request.update {
                // Pachyderm's update: the project stays as it is (pachs3 keeps no other project settings).
            }
            return Google_Protobuf_Empty()
        }
    }

    func inspectProject(request: PfsV2_InspectProjectRequest, context: ServerContext) async throws -> PfsV2_ProjectInfo {
        try await mapped { PfsV2_ProjectInfo(try await client.inspectProject(request.project.name)) }
    }

    func listProject(request: PfsV2_ListProjectRequest, response: RPCWriter<PfsV2_ProjectInfo>, context: ServerContext) async throws {
        let projects = try await mapped { try await client.listProjects() }
        try await response.write(contentsOf: projects.map(PfsV2_ProjectInfo.init))
    }

    func deleteProject(request: PfsV2_DeleteProjectRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            try await client.deleteProject(request.project.name)
            return Google_Protobuf_Empty()
        }
    }

    // MARK: repos

    func createRepo(request: PfsV2_CreateRepoRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            do {
                try await client.createRepo(try request.repo.model(), description: request.description_p)
            } catch PFSError.alreadyExists(_) where request.update {
                // Pachyderm's update: the repo stays as it is.
            }
            return Google_Protobuf_Empty()
        }
    }

    func inspectRepo(request: PfsV2_InspectRepoRequest, context: ServerContext) async throws -> PfsV2_RepoInfo {
        try await mapped { PfsV2_RepoInfo(try await client.inspectRepo(try request.repo.model())) }
    }

    func listRepo(request: PfsV2_ListRepoRequest, response: RPCWriter<PfsV2_RepoInfo>, context: ServerContext) async throws {
        guard request.type.isEmpty || request.type == "user" else { return }
        let repos = try await mapped {
            if request.projects.isEmpty { return try await client.listRepos(project: nil) }
            var all: [RepoInfo] = []
            for p in request.projects { all += try await client.listRepos(project: p.name) }
            return all
        }
        try await response.write(contentsOf: repos.map(PfsV2_RepoInfo.init))
    }

    func deleteRepo(request: PfsV2_DeleteRepoRequest, context: ServerContext) async throws -> PfsV2_DeleteRepoResponse {
        try await mapped {
            try await client.deleteRepo(try request.repo.model())
            var r = PfsV2_DeleteRepoResponse()
            r.deleted = true
            return r
        }
    }

    // MARK: branches

    func createBranch(request: PfsV2_CreateBranchRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            guard request.provenance.isEmpty else { throw PFSError.invalidArgument("pachs3 has no branch provenance: leave provenance empty") }
            let repo = try request.branch.repo.model()
            let head = request.hasHead ? try request.head.refDefaultingRepo(repo) : nil
            try await client.createBranch(repo, request.branch.name, head: head, move: true)
            return Google_Protobuf_Empty()
        }
    }

    func inspectBranch(request: PfsV2_InspectBranchRequest, context: ServerContext) async throws -> PfsV2_BranchInfo {
        try await mapped { PfsV2_BranchInfo(try await client.inspectBranch(try request.branch.repo.model(), request.branch.name)) }
    }

    func listBranch(request: PfsV2_ListBranchRequest, response: RPCWriter<PfsV2_BranchInfo>, context: ServerContext) async throws {
        var branches = try await mapped { try await client.listBranches(try request.repo.model()) }
        if request.reverse { branches.reverse() }
        try await response.write(contentsOf: branches.map(PfsV2_BranchInfo.init))
    }

    func deleteBranch(request: PfsV2_DeleteBranchRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            try await client.deleteBranch(try request.branch.repo.model(), request.branch.name)
            return Google_Protobuf_Empty()
        }
    }
}

extension PfsV2_Commit {
    /// The ref, taking `repo` when the commit names none (CreateBranch's head may leave it out).
    func refDefaultingRepo(_ repo: RepoID) throws -> CommitRef {
        if hasRepo && !self.repo.name.isEmpty || hasBranch && !branch.repo.name.isEmpty { return try ref() }
        var c = self
        c.repo = PfsV2_Repo(repo)
        return try c.ref()
    }
}
