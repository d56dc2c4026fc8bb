import Synchronization

/// What happened in a repo, as its subscribers hear of it.
enum CommitEvent: Sendable {
    /// A commit was started, written into or finished.
    case commit(CommitRecord)
    /// A branch's HEAD was set other than by a commit on it, or the branch was deleted; nil: the repo was deleted.
    case branchChanged(String?)
}

/// Fans out commits, as they are started, written into and finished, and branches set or deleted, to the
/// subscribers of their repo in this process.
///
/// Writers publish after their transaction is durable, so a subscriber never hears of a commit it cannot read.
final class CommitEvents: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: (repo: RepoID, continuation: AsyncStream<CommitEvent>.Continuation)] = [:]
    }

    private let state = Mutex(State())

    /// A stream of the events of `repo` published from now on; it ends when the consumer stops iterating.
    func subscribe(_ repo: RepoID) -> AsyncStream<CommitEvent> {
        // Unbounded: commit records are small and their rate is bounded by the commit writer.
        let (stream, continuation) = AsyncStream<CommitEvent>.makeStream(bufferingPolicy: .unbounded)
        let id = state.withLock { s in
            s.nextID += 1
            s.subscribers[s.nextID] = (repo, continuation)
            return s.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// How many listen to `repo`.
    func subscriberCount(_ repo: RepoID) -> Int {
        state.withLock { s in s.subscribers.values.count { $0.repo == repo } }
    }

    /// Whether anyone listens to `repo`: writers skip building records nobody reads.
    func hasSubscribers(_ repo: RepoID) -> Bool {
        state.withLock { s in s.subscribers.values.contains { $0.repo == repo } }
    }

    func publish(_ records: [CommitRecord]) {
        guard !records.isEmpty else { return }
        let targets = state.withLock { s in s.subscribers.values.map { $0 } }
        for record in records {
            for t in targets where t.repo == record.repo { t.continuation.yield(.commit(record)) }
        }
    }

    /// Tells the subscribers of `repo` that `branch` was set or deleted (nil: the repo was deleted).
    func publishBranchChange(_ repo: RepoID, _ branch: String?) {
        let targets = state.withLock { s in s.subscribers.values.filter { $0.repo == repo } }
        for t in targets { t.continuation.yield(.branchChanged(branch)) }
    }
}
