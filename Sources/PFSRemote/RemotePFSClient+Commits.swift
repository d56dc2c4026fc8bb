import Foundation
import GRPCCore
public import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    public func startCommit(_ repo: RepoID, branch: String, parent: CommitRef?, description: String) async throws -> CommitInfo {
        var r = PfsV2_StartCommitRequest()
        r.branch = PfsV2_Branch(repo, branch)
        if let parent { r.parent = PfsV2_Commit(parent) }
        r.description_p = description
        let commit = try await call { try await pfs.startCommit(r, metadata: metadata, options: options) }
        return try await inspectCommit(.commit(repo, try wireCommitID(commit.id)))
    }

    @discardableResult
    public func finishCommit(_ ref: CommitRef, description: String) async throws -> CommitInfo {
        // The commit is resolved first, so that the info returned is that of the commit finished.
        let id = try await inspectCommit(ref).id
        var r = PfsV2_FinishCommitRequest()
        r.commit = PfsV2_Commit(.commit(ref.repo, id))
        r.description_p = description
        _ = try await call { try await pfs.finishCommit(r, metadata: metadata, options: options) }
        return try await inspectCommit(.commit(ref.repo, id))
    }

    public func inspectCommit(_ ref: CommitRef) async throws -> CommitInfo {
        var r = PfsV2_InspectCommitRequest()
        r.commit = PfsV2_Commit(ref)
        return try await call { try await pfs.inspectCommit(r, metadata: metadata, options: options) }.model()
    }

    public func listCommits(_ repo: RepoID, from ref: CommitRef?, limit: Int) async throws -> [CommitInfo] {
        var r = Pachs3V1_ListCommitsRequest()
        r.repo = PfsV2_Repo(repo)
        if let ref { r.from = PfsV2_Commit(ref) }
        r.limit = Int64(limit)
        return try await call {
            try await pachs3.listCommits(r, metadata: metadata, options: options) { response in
                var out: [CommitInfo] = []
                for try await c in response.messages { out.append(try c.model()) }
                return out
            }
        }
    }
}
