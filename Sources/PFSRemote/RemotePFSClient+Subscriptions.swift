import Foundation
import GRPCCore
public import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    /// Pachyderm's SubscribeCommit: each commit once, when it starts (or, with `finishedOnly`,
    /// when it finishes). Stopping the iteration ends the call.
    public func subscribeCommits(_ repo: RepoID, branch: String?, from: CommitID?, finishedOnly: Bool) async throws
        -> AsyncThrowingStream<CommitInfo, any Error>
    {
        var r = PfsV2_SubscribeCommitRequest()
        r.repo = PfsV2_Repo(repo)
        if let branch { r.branch = branch }
        if let from { r.from = PfsV2_Commit(.commit(repo, from)) }
        r.state = finishedOnly ? .finished : .started
        let request = r
        let (stream, continuation) = AsyncThrowingStream<CommitInfo, any Error>.makeStream()
        let task = Task { [pfs, metadata, options] in
            do {
                try await pfs.subscribeCommit(request, metadata: metadata, options: options) { response in
                    for try await info in response.messages { continuation.yield(try info.model()) }
                }
                continuation.finish()
            } catch let e as RPCError {
                continuation.finish(throwing: PFSError(e))
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func waitForCommit(_ ref: CommitRef) async throws -> CommitInfo {
        var r = PfsV2_InspectCommitRequest()
        r.commit = PfsV2_Commit(ref)
        r.wait = .finished
        return try await call { try await pfs.inspectCommit(r, metadata: metadata, options: options) }.model()
    }
}
