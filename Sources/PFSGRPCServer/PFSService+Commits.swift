import GRPCCore
import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension PFSService {
    func startCommit(request: PfsV2_StartCommitRequest, context: ServerContext) async throws -> PfsV2_Commit {
        try await mapped {
            let repo = try request.hasBranch ? request.branch.repo.model() : request.parent.repoModel()
            guard !request.branch.name.isEmpty else { throw PFSError.invalidArgument("StartCommit needs a branch") }
            let parent = request.hasParent ? try request.parent.refDefaultingRepo(repo) : nil
            let info = try await client.startCommit(repo, branch: request.branch.name, parent: parent, description: request.description_p)
            return PfsV2_Commit(info.repo, id: info.id, branch: info.branch)
        }
    }

    func finishCommit(request: PfsV2_FinishCommitRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            guard request.error.isEmpty else { throw PFSError.invalidArgument("pachs3 does not keep failed commits: leave error empty") }
            try await client.finishCommit(try request.commit.ref(), description: request.description_p)
            return Google_Protobuf_Empty()
        }
    }

    func inspectCommit(request: PfsV2_InspectCommitRequest, context: ServerContext) async throws -> PfsV2_CommitInfo {
        try await mapped {
            let ref = try request.commit.ref()
            switch request.wait {
            case .finishing, .finished:
                guard let info = try await shutdown.unlessShutdown({ [client] in try await client.waitForCommit(ref) }) else {
                    throw RPCError(code: .unavailable, message: "the server is shutting down")
                }
                return PfsV2_CommitInfo(info)
            default:
                return PfsV2_CommitInfo(try await client.inspectCommit(ref))
            }
        }
    }

    func listCommit(request: PfsV2_ListCommitRequest, response: RPCWriter<PfsV2_CommitInfo>, context: ServerContext) async throws {
        let commits = try await mapped {
            let repo = try request.repo.model()
            // Pachyderm's `to` is the newest commit listed, `from` the oldest, excluded.
            let newest = request.hasTo ? try request.to.refDefaultingRepo(repo) : nil
            let oldest = request.hasFrom ? try await client.inspectCommit(try request.from.refDefaultingRepo(repo)).id : nil
            var out: [CommitInfo] = []
            for c in try await client.listCommits(repo, from: newest, limit: oldest == nil ? Int(request.number) : 0) {
                if c.id == oldest { break }
                out.append(c)
                if request.number > 0, out.count == request.number { break }
            }
            return request.reverse ? out.reversed() : out
        }
        try await response.write(contentsOf: commits.map(PfsV2_CommitInfo.init))
    }

    func subscribeCommit(request: PfsV2_SubscribeCommitRequest, response: RPCWriter<PfsV2_CommitInfo>, context: ServerContext) async throws {
        let stream = try await mapped {
            let repo = try request.repo.model()
            let from = request.hasFrom ? try await client.inspectCommit(try request.from.refDefaultingRepo(repo)).id : nil
            return try await client.subscribeCommits(
                repo, branch: request.branch.isEmpty ? nil : request.branch, from: from,
                finishedOnly: request.state == .finished || request.state == .finishing)
        }
        // As with Pachyderm, each commit is sent once: when it starts, or with FINISHED when it finishes.
        // The subscription ends with the server's graceful shutdown.
        _ = try await shutdown.unlessShutdown {
            var seen = Set<CommitID>()
            try await mapped {
                for try await info in stream where seen.insert(info.id).inserted {
                    try await response.write(PfsV2_CommitInfo(info))
                }
            }
        }
    }
}
