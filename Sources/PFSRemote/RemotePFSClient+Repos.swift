import Foundation
import GRPCCore
public import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    public func createProject(_ name: String, description: String) async throws {
        var r = PfsV2_CreateProjectRequest()
        r.project = PfsV2_Project(name)
        r.description_p = description
        _ = try await call { try await pfs.createProject(r, metadata: metadata, options: options) }
    }

    public func inspectProject(_ name: String) async throws -> ProjectInfo {
        var r = PfsV2_InspectProjectRequest()
        r.project = PfsV2_Project(name)
        return try await call { try await pfs.inspectProject(r, metadata: metadata, options: options) }.model()
    }

    public func listProjects() async throws -> [ProjectInfo] {
        try await call {
            try await pfs.listProject(PfsV2_ListProjectRequest(), metadata: metadata, options: options) { response in
                var out: [ProjectInfo] = []
                for try await p in response.messages { out.append(p.model()) }
                return out
            }
        }
    }

    public func deleteProject(_ name: String) async throws {
        var r = PfsV2_DeleteProjectRequest()
        r.project = PfsV2_Project(name)
        _ = try await call { try await pfs.deleteProject(r, metadata: metadata, options: options) }
    }

    public func createRepo(_ repo: RepoID, description: String) async throws {
        var r = PfsV2_CreateRepoRequest()
        r.repo = PfsV2_Repo(repo)
        r.description_p = description
        _ = try await call { try await pfs.createRepo(r, metadata: metadata, options: options) }
    }

    public func inspectRepo(_ repo: RepoID) async throws -> RepoInfo {
        var r = PfsV2_InspectRepoRequest()
        r.repo = PfsV2_Repo(repo)
        return try await call { try await pfs.inspectRepo(r, metadata: metadata, options: options) }.model()
    }

    public func listRepos(project: String?) async throws -> [RepoInfo] {
        var r = PfsV2_ListRepoRequest()
        if let project { r.projects = [PfsV2_Project(project)] }
        return try await call {
            try await pfs.listRepo(r, metadata: metadata, options: options) { response in
                var out: [RepoInfo] = []
                for try await info in response.messages { out.append(try info.model()) }
                return out
            }
        }
    }

    public func deleteRepo(_ repo: RepoID) async throws {
        var r = PfsV2_DeleteRepoRequest()
        r.repo = PfsV2_Repo(repo)
        _ = try await call { try await pfs.deleteRepo(r, metadata: metadata, options: options) }
    }

    @discardableResult
    public func createBranch(_ repo: RepoID, _ name: String, head: CommitRef?, move: Bool) async throws -> BranchInfo {
        var r = Pachs3V1_CreateBranchRequest()
        r.branch = PfsV2_Branch(repo, name)
        if let head { r.head = PfsV2_Commit(head) }
        r.move = move
        return try await call { try await pachs3.createBranch(r, metadata: metadata, options: options) }.model()
    }

    public func inspectBranch(_ repo: RepoID, _ name: String) async throws -> BranchInfo {
        var r = PfsV2_InspectBranchRequest()
        r.branch = PfsV2_Branch(repo, name)
        return try await call { try await pfs.inspectBranch(r, metadata: metadata, options: options) }.model()
    }

    public func listBranches(_ repo: RepoID) async throws -> [BranchInfo] {
        var r = PfsV2_ListBranchRequest()
        r.repo = PfsV2_Repo(repo)
        return try await call {
            try await pfs.listBranch(r, metadata: metadata, options: options) { response in
                var out: [BranchInfo] = []
                for try await b in response.messages { out.append(try b.model()) }
                return out
            }
        }
    }

    public func deleteBranch(_ repo: RepoID, _ name: String) async throws {
        var r = PfsV2_DeleteBranchRequest()
        r.branch = PfsV2_Branch(repo, name)
        _ = try await call { try await pfs.deleteBranch(r, metadata: metadata, options: options) }
    }
}
