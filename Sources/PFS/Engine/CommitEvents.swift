import Synchronization

/// Fans out commits, as they are started, written into and finished, to the subscribers of their repo in this process.
///
/// Writers publish after their transaction is durable, so a subscriber never hears of a commit it cannot read.
final class CommitEvents: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: (repo: RepoID, continuation: AsyncStream<CommitRecord>.Continuation)] = [:]
    }

    private let state = Mutex(State())

    /// A stream of the commits of `repo` published from now on; it ends when the consumer stops iterating.
    func subscribe(_ repo: RepoID) -> AsyncStream<CommitRecord> {
        // Unbounded: commit records are small and their rate is bounded by the commit writer.
        let (stream, continuation) = AsyncStream<CommitRecord>.makeStream(bufferingPolicy: .unbounded)
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

    /// Whether anyone listens to `repo`: writers skip building records nobody reads.
    func hasSubscribers(_ repo: RepoID) -> Bool {
        state.withLock { s in s.subscribers.values.contains { $0.repo == repo } }
    }

    func publish(_ records: [CommitRecord]) {
        guard !records.isEmpty else { return }
        let targets = state.withLock { s in s.subscribers.values.map { $0 } }
        for record in records {
            for t in targets where t.repo == record.repo { t.continuation.yield(record) }
        }
    }
}
