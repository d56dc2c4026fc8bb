import Foundation
import PFS
import PFSClient

/// The HEAD of each branch the mount has shown, kept current by a commit subscription per branch.
///
/// Without a live subscription (before the first event, or after it failed) a HEAD is read again once
/// it is older than `fallbackSeconds`.
actor BranchHeads {
    struct Branch: Hashable { var repo: RepoID; var name: String }

    private struct State {
        var head: CommitID?
        var read: ContinuousClock.Instant
        var subscribed: Bool
    }

    private let client: any PFSClient
    private let fallback: Duration
    private let onMove: @Sendable (RepoID, String, CommitID?, CommitID?) -> Void
    private var heads: [Branch: State] = [:]
    private var tasks: [Branch: Task<Void, Never>] = [:]
    private var stopped = false

    init(client: any PFSClient, fallbackSeconds: Double, onMove: @escaping @Sendable (RepoID, String, CommitID?, CommitID?) -> Void) {
        self.client = client
        self.fallback = .milliseconds(Int(fallbackSeconds * 1000))
        self.onMove = onMove
    }

    /// The HEAD of `branch` (nil for a branch without commits); throws notFound for a missing branch.
    func head(_ repo: RepoID, _ branch: String) async throws -> CommitID? {
        let key = Branch(repo: repo, name: branch)
        if let s = heads[key], s.subscribed || ContinuousClock.now - s.read < fallback { return s.head }
        let info = try await client.inspectBranch(repo, branch)
        let old = heads[key]
        heads[key] = State(head: info.head, read: .now, subscribed: old?.subscribed ?? false)
        if let old, old.head != info.head { onMove(repo, branch, old.head, info.head) }
        if tasks[key] == nil { subscribe(key, from: info.head) }
        return info.head
    }

    /// Records a HEAD the mount itself just made, so its own reads see it at once.
    func moved(_ repo: RepoID, _ branch: String, to head: CommitID) {
        let key = Branch(repo: repo, name: branch)
        let old = heads[key]
        heads[key] = State(head: head, read: .now, subscribed: old?.subscribed ?? false)
        if old?.head != head { onMove(repo, branch, old?.head, head) }
    }

    private func subscribe(_ key: Branch, from: CommitID?) {
        let client = self.client
        tasks[key] = Task { [weak self] in
            let started = ContinuousClock.now
            do {
                let stream = try await client.subscribeCommits(key.repo, branch: key.name, from: from, finishedOnly: true)
                await self?.markSubscribed(key)
                for try await _ in stream {
                    try await self?.refresh(key)
                }
            } catch {
                // One that keeps failing at once (a server away) is looked at again at most once a second.
                if ContinuousClock.now - started < .seconds(1) { try? await Task.sleep(for: .seconds(1)) }
            }
            await self?.subscriptionEnded(key)
        }
    }

    private func markSubscribed(_ key: Branch) {
        heads[key]?.subscribed = true
    }

    private func refresh(_ key: Branch) async throws {
        let info = try await client.inspectBranch(key.repo, key.name)
        let old = heads[key]?.head
        heads[key] = State(head: info.head, read: .now, subscribed: true)
        if old != info.head { onMove(key.repo, key.name, old, info.head) }
    }

    /// A subscription ends when its branch is set to another commit or deleted (or the server went away): the
    /// branch is looked at again now, so that the kernel hears of the change at once, not when its cache expires.
    private func subscriptionEnded(_ key: Branch) async {
        tasks[key] = nil
        guard !stopped, let old = heads[key] else { return }
        heads[key] = State(head: old.head, read: old.read, subscribed: false)
        do {
            let info = try await client.inspectBranch(key.repo, key.name)
            heads[key] = State(head: info.head, read: .now, subscribed: false)
            if old.head != info.head { onMove(key.repo, key.name, old.head, info.head) }
            if tasks[key] == nil { subscribe(key, from: info.head) }
        } catch PFSError.notFound {
            heads[key] = nil
            onMove(key.repo, key.name, old.head, nil)
        } catch {
            // Out of reach: the next use of the branch reads its HEAD again and subscribes anew.
            heads[key] = nil
        }
    }

    func stop() {
        stopped = true
        for t in tasks.values { t.cancel() }
        tasks = [:]
    }
}
