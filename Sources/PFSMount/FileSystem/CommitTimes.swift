import Foundation
import PFS
import PFSClient
import Synchronization

/// When commits were finished, the time directories show: a commit never changes, so each is asked of the server
/// once (and not at all when a listing of commits already told).
final class CommitTimes: Sendable {
    private let client: any PFSClient
    private let times = Mutex<[CommitID: Date]>([:])
    /// Enough for every commit a session looks at; past it the cache starts over rather than grow.
    static let capacity = 65_536

    init(client: any PFSClient) {
        self.client = client
    }

    /// Keeps the times of finished commits a listing returned.
    func note(_ commits: [CommitInfo]) {
        times.withLock { t in
            for c in commits {
                guard let f = c.finished else { continue }
                if t.count >= Self.capacity { t.removeAll(keepingCapacity: true) }
                t[c.id] = f
            }
        }
    }

    /// The time commit `id` of `repo` was finished (started, while it is open); nil when the server cannot say.
    func time(_ repo: RepoID, _ id: CommitID) async -> Date? {
        if let t = times.withLock({ $0[id] }) { return t }
        guard let info = try? await client.inspectCommit(.commit(repo, id)) else { return nil }
        note([info])
        return info.finished ?? info.started
    }
}
