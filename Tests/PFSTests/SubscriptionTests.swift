import Foundation
import Testing

@testable import PFS

@Suite struct SubscriptionTests {
    /// The next `n` commits a subscription yields.
    func take(_ n: Int, from stream: AsyncThrowingStream<CommitInfo, any Error>) async throws -> [CommitInfo] {
        var out: [CommitInfo] = []
        for try await c in stream {
            out.append(c)
            if out.count == n { break }
        }
        return out
    }

    @Test func replaysHistoryAfterFromThenFollowsNewCommits() async throws {
        try await withEngine("sub") { engine, _ in
            let repo = RepoID("sub")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let c1 = try await put(engine, master, "a", [1]).commit
            let c2 = try await put(engine, master, "b", [2]).commit
            let stream = try await engine.subscribeCommits(repo, branch: "master", from: c1)
            async let seen = take(3, from: stream)
            let c3 = try await put(engine, master, "c", [3]).commit
            let c4 = try await put(engine, master, "d", [4]).commit
            let ids = try await seen.map(\.id)
            #expect(ids == [c2, c3, c4])
        }
    }

    @Test func filtersByBranchAndYieldsOpenCommitsOnlyWhenFinishedOnRequest() async throws {
        try await withEngine("sub") { engine, _ in
            let repo = RepoID("sub")
            try await engine.createRepo(repo)
            let all = try await engine.subscribeCommits(repo)
            let finished = try await engine.subscribeCommits(repo, finishedOnly: true)
            let open = try await engine.startCommit(repo, branch: "master")
            try await put(engine, .commit(repo, open.id), "x", [1])
            try await engine.finishCommit(.commit(repo, open.id), description: "done")
            let other = try await put(engine, .branch(repo, "dev"), "y", [2]).commit

            let states = try await take(4, from: all).map { ($0.id, $0.isOpen, $0.fileCount) }
            #expect(states.map(\.0) == [open.id, open.id, open.id, other])
            #expect(states.map(\.1) == [true, true, false, false])
            #expect(states.map(\.2) == [0, 1, 1, 1])
            let fin = try await take(2, from: finished)
            #expect(fin.map(\.id) == [open.id, other])
            #expect(fin[0].description == "done")
            #expect(try await engine.inspectCommit(.commit(repo, open.id)).description == "done")

            let devOnly = try await engine.subscribeCommits(repo, branch: "dev")
            let replay = try await take(1, from: devOnly)
            #expect(replay.map(\.id) == [other])
        }
    }

    @Test func unknownRepoBranchOrFromCommitIsNotFound() async throws {
        try await withEngine("sub") { engine, _ in
            let repo = RepoID("sub")
            await #expect(throws: PFSError.self) { _ = try await engine.subscribeCommits(repo) }
            try await engine.createRepo(repo)
            await #expect(throws: PFSError.self) { _ = try await engine.subscribeCommits(repo, branch: "nope") }
            try await put(engine, .branch(repo, "master"), "a", [1])
            await #expect(throws: PFSError.self) { _ = try await engine.subscribeCommits(repo, branch: "master", from: .random()) }
        }
    }

    @Test func waitForCommitReturnsWhenTheCommitFinishes() async throws {
        try await withEngine("sub") { engine, _ in
            let repo = RepoID("sub")
            try await engine.createRepo(repo)
            let open = try await engine.startCommit(repo, branch: "master")
            async let waited = engine.waitForCommit(.commit(repo, open.id))
            while !engine.events.hasSubscribers(repo) { await Task.yield() }
            try await put(engine, .commit(repo, open.id), "x", [1])
            try await engine.finishCommit(.commit(repo, open.id))
            let info = try await waited
            #expect(info.id == open.id && !info.isOpen && info.fileCount == 1)
            // A finished commit answers at once.
            #expect(try await engine.waitForCommit(.branch(repo, "master")).id == open.id)
        }
    }

    @Test func cancellingAConsumerUnsubscribes() async throws {
        try await withEngine("sub") { engine, _ in
            let repo = RepoID("sub")
            try await engine.createRepo(repo)
            let task = Task {
                for try await _ in try await engine.subscribeCommits(repo) {}
            }
            while !engine.events.hasSubscribers(repo) { await Task.yield() }
            task.cancel()
            _ = await task.result
            while engine.events.hasSubscribers(repo) { await Task.yield() }
            #expect(!engine.events.hasSubscribers(repo))
        }
    }

    /// Every commit a subscription yields until it ends.
    func drain(_ stream: AsyncThrowingStream<CommitInfo, any Error>) async throws -> [CommitID] {
        var out: [CommitID] = []
        for try await c in stream { out.append(c.id) }
        return out
    }

    @Test("a branch subscription ends when its branch is set to another commit or deleted, or its repo is deleted")
    func branchSubscriptionsEndWhenTheirHistoryStopsGrowing() async throws {
        try await withEngine("sub") { engine, _ in
            let repo = RepoID("sub")
            try await engine.createRepo(repo)
            let master = CommitRef.branch(repo, "master")
            let c1 = try await put(engine, master, "a", [1]).commit
            let c2 = try await put(engine, master, "b", [2]).commit
            try await engine.createBranch(repo, "dev", head: master)

            // Reset to an older commit: the master subscription ends; dev's and the repo's go on.
            let onMaster = try await engine.subscribeCommits(repo, branch: "master", from: c2)
            let onDev = try await engine.subscribeCommits(repo, branch: "dev", from: c2)
            let onRepo = try await engine.subscribeCommits(repo, from: c2)
            async let masterSeen = drain(onMaster)
            try await engine.createBranch(repo, "master", head: .commit(repo, c1), move: true)
            #expect(try await masterSeen == [])
            let c3 = try await put(engine, .branch(repo, "dev"), "c", [3]).commit
            #expect(try await take(1, from: onDev).map(\.id) == [c3])
            #expect(try await take(1, from: onRepo).map(\.id) == [c3])

            // Deleted branch, then deleted repo.
            async let devSeen = drain(onDev)
            try await engine.deleteBranch(repo, "dev")
            #expect(try await devSeen == [])
            async let repoSeen = drain(onRepo)
            let open = try await engine.startCommit(repo, branch: "master")
            let waited = Task { try await engine.waitForCommit(.commit(repo, open.id)) }
            while engine.events.subscriberCount(repo) < 2 { await Task.yield() }
            try await engine.deleteRepo(repo)
            #expect(try await repoSeen == [open.id])
            await #expect(throws: PFSError.self) { try await waited.value }
        }
    }
}
