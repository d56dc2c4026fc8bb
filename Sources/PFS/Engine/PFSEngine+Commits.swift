import Foundation

extension PFSEngine {
    /// The commit a ref names.
    public func inspectCommit(_ ref: CommitRef) async throws -> CommitInfo { Self.info(try await resolve(ref)) }

    static func info(_ r: CommitRecord) -> CommitInfo {
        CommitInfo(
            repo: r.repo, id: r.id, branch: r.branch, parent: r.parent, description: r.description, started: r.started, finished: r.finished,
            sizeBytes: r.sizeBytes, fileCount: r.fileCount)
    }

    func resolve(_ ref: CommitRef) async throws -> CommitRecord {
        var rec: CommitRecord
        switch ref.base {
        case .branch(let b):
            let branch = try await inspectBranch(ref.repo, b)
            guard let head = branch.head else { throw PFSError.notFound("branch '\(b)' of repo '\(ref.repo)' has no commits") }
            guard let r = try await commitRecord(ref.repo, head) else { throw PFSError.corrupt("HEAD \(head) of branch '\(b)' is missing") }
            rec = r
        case .commit(let id), .branchCommit(_, let id):
            guard let r = try await commitRecord(ref.repo, id) else {
                _ = try await inspectRepo(ref.repo)
                throw PFSError.notFound("commit \(id) not found in repo '\(ref.repo)'")
            }
            rec = r
        }
        switch ref.offset {
        case .none:
            return rec
        case .ancestor(let n):
            for i in 0..<n {
                guard let p = rec.parent, let r = try await commitRecord(ref.repo, p) else {
                    throw PFSError.notFound("\(ref) does not exist: the history has only \(i + 1) commit(s)")
                }
                rec = r
            }
            return rec
        case .fromStart(let n):
            var chain = [rec]
            while let p = chain.last!.parent, let r = try await commitRecord(ref.repo, p) { chain.append(r) }
            guard n <= chain.count else { throw PFSError.notFound("\(ref) does not exist: the history has \(chain.count) commit(s)") }
            return chain[chain.count - n]
        }
    }

    /// Starts an open commit on `branch` (created if needed), with the files of `parent` (default: the branch HEAD).
    /// Writes to the branch go into it until it is finished.
    public func startCommit(_ repo: RepoID, branch: String, parent: CommitRef? = nil, description: String = "") async throws -> CommitInfo {
        try Names.validateBranch(branch)
        _ = try await inspectRepo(repo)
        // On the HEAD, a commit that lands meanwhile (a PUT through another door) only moves the HEAD to start
        // from: look again. An explicit parent stays the caller's, so there the race is the caller's to see.
        var attempts = 0
        while true {
            attempts += 1
            let existing = try await metadata.branch(repo, branch)
            var parentRec: CommitRecord?
            if let parent {
                parentRec = try await resolve(parent)
            } else if let h = existing?.head {
                parentRec = try await metadata.commit(repo, h)
            }
            if let h = existing?.head, let rec = try await metadata.commit(repo, h), rec.finished == nil {
                throw PFSError.failedPrecondition("branch '\(branch)' of repo '\(repo)' already has open commit \(h); finish it first")
            }
            let rec = CommitRecord(
                repo: repo, id: .random(), branch: branch, parent: parentRec?.id, root: parentRec?.root, description: description, started: Date(),
                finished: nil, fileCount: parentRec?.fileCount ?? 0, sizeBytes: parentRec?.sizeBytes ?? 0, tombstones: parentRec?.tombstones,
                versionsLinked: parentRec?.versionsLinked ?? true)
            var tx = MetadataTransaction()
            tx.newCommits.append(rec)
            tx.branchMoves.append(.init(repo: repo, branch: branch, expected: existing?.head, new: rec.id, create: existing == nil))
            do {
                try await metadata.apply(tx)
            } catch let e as MetadataConflict {
                guard parent == nil, attempts < Self.startAttempts else {
                    throw PFSError.failedPrecondition("branch '\(branch)' changed while starting the commit: \(e.description)")
                }
                continue
            }
            events.publish([rec])
            return Self.info(rec)
        }
    }

    /// How often ``startCommit(_:branch:parent:description:)`` looks again at a HEAD that keeps moving.
    static let startAttempts = 50

    /// Finishes an open commit; it is immutable from then on.
    @discardableResult
    public func finishCommit(_ ref: CommitRef, description: String = "") async throws -> CommitInfo {
        let rec = try await resolve(ref)
        guard rec.finished == nil else { throw PFSError.failedPrecondition("commit \(rec.id) is already finished") }
        _ = try await writer.submit(WriteRequest(repo: rec.repo, target: .commit(rec.id), ops: [], finish: true, description: description))
        return try await inspectCommit(.commit(rec.repo, rec.id))
    }

    /// The history of a branch or ref, newest first; without a ref, every commit of the repo.
    public func listCommits(_ repo: RepoID, from ref: CommitRef? = nil, limit: Int = 0) async throws -> [CommitInfo] {
        _ = try await inspectRepo(repo)
        guard let ref else { return try await metadata.listCommits(repo, limit: limit).map(Self.info) }
        var out: [CommitInfo] = []
        var rec: CommitRecord? = try await resolve(ref)
        while let r = rec, limit == 0 || out.count < limit {
            out.append(Self.info(r))
            rec = try await r.parent.asyncMap { try await metadata.commit(repo, $0) } ?? nil
        }
        return out
    }
}

extension Optional {
    func asyncMap<U>(_ f: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let w = self else { return nil }
        return try await f(w)
    }
}
