extension PFSEngine {
    /// Commits of `repo` as they are started, written into and finished.
    ///
    /// The stream first yields the existing commits (of `branch`'s history, or of the whole repo), oldest first,
    /// that come after `from` — all of them when `from` is nil — then each change as it becomes durable, until the
    /// consumer stops iterating. A commit is yielded again when it changes (an open commit written into, then
    /// finished), never twice in the same state. The stream ends when the history it follows is no longer one
    /// that grows: `branch` set to another commit (not by a commit on it) or deleted, or the repo deleted;
    /// the subscriber then looks at the branch again.
    /// - Parameters:
    ///   - branch: only commits made on this branch; nil for every branch.
    ///   - from: a commit already seen; only later commits are replayed.
    ///   - finishedOnly: skip open commits (each is yielded once, when it finishes).
    public func subscribeCommits(
        _ repo: RepoID, branch: String? = nil, from: CommitID? = nil, finishedOnly: Bool = false
    ) async throws -> AsyncThrowingStream<CommitInfo, any Error> {
        _ = try await inspectRepo(repo)
        if let branch { _ = try await inspectBranch(repo, branch) }
        // Subscribe before reading the past, so nothing committed in between is missed.
        let live = events.subscribe(repo)
        var past: [CommitRecord]
        if let branch {
            past = []
            var next = try await inspectBranch(repo, branch).head
            while let id = next, let r = try await metadata.commit(repo, id) {
                past.append(r)
                next = r.parent
            }
            past.reverse()
        } else {
            past = try await metadata.listCommits(repo, limit: 0).reversed()
        }
        if let from {
            guard let i = past.firstIndex(where: { $0.id == from }) else {
                throw PFSError.notFound("commit \(from) is not in the history being subscribed to")
            }
            past.removeFirst(i + 1)
        }
        let (stream, continuation) = AsyncThrowingStream<CommitInfo, any Error>.makeStream()
        let task = Task {
            // The state each commit was last yielded in.
            var seen: [CommitID: CommitRecord] = [:]
            func deliver(_ r: CommitRecord, live: Bool = true) {
                // The past is the branch's history, whichever branch its commits were made on.
                guard !live || branch == nil || r.branch == branch, !finishedOnly || r.finished != nil, seen[r.id] != r else { return }
                if finishedOnly, seen[r.id] != nil { return }
                seen[r.id] = r
                continuation.yield(Self.info(r))
            }
            for r in past { deliver(r, live: false) }
            for await event in live {
                switch event {
                case .commit(let r):
                    deliver(r)
                case .branchChanged(let changed):
                    if changed == nil || (branch != nil && changed == branch) { return continuation.finish() }
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The commit `ref` names, once it is finished: at once if it is, else when it finishes.
    public func waitForCommit(_ ref: CommitRef) async throws -> CommitInfo {
        let rec = try await resolve(ref)
        if rec.finished != nil { return Self.info(rec) }
        let live = events.subscribe(rec.repo)
        // It may have finished between the read and the subscription.
        if let now = try await metadata.commit(rec.repo, rec.id), now.finished != nil { return Self.info(now) }
        for await event in live {
            switch event {
            case .commit(let r) where r.id == rec.id && r.finished != nil: return Self.info(r)
            case .branchChanged(nil): throw PFSError.notFound("repo '\(rec.repo)' was deleted before commit \(rec.id) finished")
            default: continue
            }
        }
        try Task.checkCancellation()
        throw PFSError.notFound("commit \(rec.id) went away before it finished")
    }
}
