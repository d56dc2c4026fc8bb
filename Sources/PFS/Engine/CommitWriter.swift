import Foundation

/// What a write applies to.
enum WriteTarget: Hashable, Sendable {
    /// The branch: into its HEAD if that is open, else into a new commit on it.
    case branch(String)
    /// An open commit.
    case commit(CommitID)
}

/// One change to a commit's files.
enum WriteOp: Sendable {
    case put(Key, FileEntry, precondition: PutPrecondition?)
    case append(Key, content: IngestedContent, contentType: String?, metadata: [String: String]?, precondition: PutPrecondition?)
    case delete(Key, precondition: PutPrecondition?)
    case deletePrefix([UInt8])
}

/// A request to the commit writer: changes (possibly none) to one target, optionally finishing it.
struct WriteRequest: Sendable {
    var repo: RepoID
    var target: WriteTarget
    var ops: [WriteOp]
    var smallChunks: [Digest: [UInt8]] = [:]
    /// Finish the commit after the changes (an open target only).
    var finish = false
    /// Create the branch if it does not exist yet.
    var createBranch = true
    var description = ""
}

/// Serializes writes and batches those that arrive together into one transaction ("group commit"):
/// requests for the same branch or open commit share one new commit; all share one sync.
actor CommitWriter {
    private let metadata: any MetadataStore
    private let source: StoreNodeSource
    private let events: CommitEvents
    private var queue: [(WriteRequest, CheckedContinuation<CommitID, any Error>)] = []
    private var running = false

    init(metadata: any MetadataStore, source: StoreNodeSource, events: CommitEvents) {
        self.metadata = metadata
        self.source = source
        self.events = events
    }

    /// Applies `request` durably; returns the commit in which its changes are visible.
    func submit(_ request: WriteRequest) async throws -> CommitID {
        try await withCheckedThrowingContinuation { c in
            queue.append((request, c))
            if !running {
                running = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = queue
            queue = []
            await process(batch)
        }
        running = false
    }

    /// A write to a branch that the same batch ordered after the finish of the branch's open commit: it was
    /// refused as a change to a finished commit; it is written again after the finish is applied.
    private struct AfterFinish: Error {}

    private enum Resolved: Hashable {
        case open(CommitID)
        case new(branch: String)
    }

    private struct GroupKey: Hashable {
        var repo: RepoID
        var target: Resolved
    }

    private func process(_ batch: [(WriteRequest, CheckedContinuation<CommitID, any Error>)]) async {
        var lastConflict: (any Error)?
        for _ in 0..<8 {
            var results = [Result<CommitID, any Error>?](repeating: nil, count: batch.count)
            var groups: [GroupKey: [Int]] = [:]
            var order: [GroupKey] = []
            // The commit each group builds on, as resolving read it: no second read in prepare.
            var bases: [GroupKey: CommitRecord] = [:]
            for (i, (req, _)) in batch.enumerated() {
                do {
                    let (target, base) = try await resolve(req)
                    let key = GroupKey(repo: req.repo, target: target)
                    if groups[key] == nil {
                        order.append(key)
                        bases[key] = base
                    }
                    groups[key, default: []].append(i)
                } catch {
                    results[i] = .failure(error)
                }
            }
            var tx = MetadataTransaction()
            var touched: [CommitRecord] = []
            var built: [Digest: TreeNode] = [:]
            for key in order {
                let members = groups[key]!
                do {
                    let outcomes = try await prepare(key, base: bases[key], members.map { batch[$0].0 }, into: &tx, touched: &touched, built: &built)
                    for (i, o) in zip(members, outcomes) { results[i] = o }
                } catch {
                    for i in members { results[i] = .failure(error) }
                }
            }
            do {
                try await metadata.apply(tx)
            } catch let e as MetadataConflict {
                lastConflict = PFSError.failedPrecondition("concurrent change: \(e.description)")
                continue
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
                return
            }
            // The next write to these trees starts from the nodes just built: no store read, no decode.
            for (d, n) in built { source.cache.put(d, n) }
            events.publish(touched)
            var again: [(WriteRequest, CheckedContinuation<CommitID, any Error>)] = []
            for (i, (req, c)) in batch.enumerated() {
                if case .failure(let e)? = results[i], e is AfterFinish { again.append((req, c)) } else { c.resume(with: results[i]!) }
            }
            if !again.isEmpty { await process(again) }
            return
        }
        for (_, c) in batch { c.resume(throwing: lastConflict ?? PFSError.failedPrecondition("too many concurrent changes")) }
    }

    /// The target a request resolves to, with the commit it builds on: the open commit itself, or the
    /// finished HEAD a new commit will follow (nil for a branch without commits).
    private func resolve(_ req: WriteRequest) async throws -> (Resolved, CommitRecord?) {
        switch req.target {
        case .commit(let id):
            guard let rec = try await metadata.commit(req.repo, id) else { throw PFSError.notFound("commit \(id) not found in repo '\(req.repo)'") }
            guard rec.finished == nil else { throw PFSError.failedPrecondition("commit \(id) is finished; it cannot be changed") }
            return (.open(id), rec)
        case .branch(let name):
            guard let br = try await metadata.branch(req.repo, name) else {
                guard req.createBranch else { throw PFSError.notFound("branch '\(name)' not found in repo '\(req.repo)'") }
                guard try await metadata.repo(req.repo) != nil else { throw PFSError.notFound("repo '\(req.repo)' not found") }
                if req.finish && req.ops.isEmpty { throw PFSError.notFound("branch '\(name)' not found in repo '\(req.repo)'") }
                return (.new(branch: name), nil)
            }
            var head: CommitRecord?
            if let h = br.head { head = try await metadata.commit(req.repo, h) }
            if let head, head.finished == nil { return (.open(head.id), head) }
            if req.finish && req.ops.isEmpty { throw PFSError.failedPrecondition("branch '\(name)' has no open commit to finish") }
            return (.new(branch: name), head)
        }
    }

    /// Applies one group's requests in order to its tree and adds the result to `tx`.
    private func prepare(
        _ key: GroupKey, base: CommitRecord?, _ requests: [WriteRequest], into tx: inout MetadataTransaction, touched: inout [CommitRecord],
        built: inout [Digest: TreeNode]
    ) async throws -> [Result<CommitID, any Error>] {
        let id: CommitID
        var head: CommitRecord?
        switch key.target {
        case .open(let cid): id = cid
        case .new:
            head = base
            id = CommitID.random()
        }
        let baseRoot = base?.root
        let baseTombstones = base?.tombstones
        let linked = base?.versionsLinked ?? true
        let nowDate = Date()
        let now = Int64((nowDate.timeIntervalSince1970 * 1000).rounded())
        var edits = TreeEdits()
        var outcomes: [Result<CommitID, any Error>] = []
        var finished = false
        var description = ""
        for req in requests {
            if finished {
                // Addressed to the branch, not to this commit: it goes into a commit of its own after this one.
                if case .branch = req.target {
                    outcomes.append(.failure(AfterFinish()))
                } else {
                    outcomes.append(.failure(PFSError.failedPrecondition("commit \(id) is finished; it cannot be changed")))
                }
                continue
            }
            if !req.description.isEmpty { description = req.description }
            // A request whose precondition fails leaves no trace in the batch.
            let editsBefore = edits
            let txBefore = tx
            do {
                for op in req.ops { try await apply(op, to: &edits, base: baseRoot, commit: id, now: now, tx: &tx) }
            } catch {
                edits = editsBefore
                tx = txBefore
                outcomes.append(.failure(error))
                continue
            }
            for (d, b) in req.smallChunks { tx.chunks[d] = b }
            if req.finish { finished = true }
            outcomes.append(.success(id))
        }
        // Nothing to commit when every request of the group failed.
        guard outcomes.contains(where: { if case .success = $0 { true } else { false } }) else { return outcomes }
        var tombstones = baseTombstones
        if linked {
            let tombEdits = try await VersionLinks.link(&edits, live: baseRoot, tombstones: baseTombstones, commit: id, now: now, in: source)
            if !tombEdits.isEmpty {
                let (r, b) = try await Tree.apply(tombEdits, to: baseTombstones, in: source)
                tombstones = r
                tx.nodes.merge(b.newNodes) { a, _ in a }
                built.merge(b.decoded) { a, _ in a }
            }
        }
        let (root, builder) = try await Tree.apply(edits, to: baseRoot, in: source)
        tx.nodes.merge(builder.newNodes) { a, _ in a }
        built.merge(builder.decoded) { a, _ in a }
        let totals = try await Tree.totals(root, in: OverlayNodeSource(pending: builder.decoded, base: source))
        switch key.target {
        case .open:
            let update = MetadataTransaction.CommitUpdate(
                id: id, expectedRoot: baseRoot, root: root, tombstones: tombstones, fileCount: totals.count, sizeBytes: totals.bytes, finished: finished ? nowDate : nil,
                description: finished && !description.isEmpty ? description : nil)
            tx.commitUpdates.append(update)
            if var rec = base, events.hasSubscribers(key.repo) {
                rec.root = root
                rec.tombstones = tombstones
                rec.fileCount = totals.count
                rec.sizeBytes = totals.bytes
                rec.finished = update.finished
                if let d = update.description { rec.description = d }
                touched.append(rec)
            }
        case .new(let branch):
            let rec = CommitRecord(
                repo: key.repo, id: id, branch: branch, parent: head?.id, root: root, description: description, started: nowDate,
                finished: nowDate, fileCount: totals.count, sizeBytes: totals.bytes, tombstones: tombstones, versionsLinked: linked)
            tx.newCommits.append(rec)
            touched.append(rec)
            tx.branchMoves.append(.init(repo: key.repo, branch: branch, expected: head?.id, new: id, create: head == nil))
        }
        return outcomes
    }

    private func apply(_ op: WriteOp, to edits: inout TreeEdits, base: Digest?, commit id: CommitID, now: Int64, tx: inout MetadataTransaction)
        async throws
    {
        func current(_ k: Key) async throws -> FileEntry? {
            if let e = edits.putEntry(k) { return e }
            if edits.isDeleted(k) { return nil }
            return try await Tree.lookup(base, k, in: source)
        }
        func check(_ p: PutPrecondition?, _ k: Key) async throws {
            guard let p else { return }
            if let failure = p.failure(try await current(k), path: k.string) { throw failure }
        }
        switch op {
        case .put(let k, var e, let precondition):
            try await check(precondition, k)
            if case .chunks(let c) = e.content, c.count > ContentIndex.inlineLimit { e.content = ContentIndex.content(for: c, into: &tx) }
            e.commit = id
            e.modifiedMillis = now
            edits.put(k, e)
        case .delete(let k, let precondition):
            try await check(precondition, k)
            edits.delete(k)
        case .deletePrefix(let p):
            edits.deletePrefix(p)
        case .append(let k, let content, let contentType, let metadata, let precondition):
            try await check(precondition, k)
            var e = try await appended(try await current(k), content, contentType: contentType, metadata: metadata, into: &tx)
            e.commit = id
            e.modifiedMillis = now
            edits.put(k, e)
        }
    }

    /// The entry of `old` with `content` appended (or a new entry when there is no old file).
    private func appended(
        _ old: FileEntry?, _ content: IngestedContent, contentType: String?, metadata meta: [String: String]?,
        into tx: inout MetadataTransaction
    ) async throws -> FileEntry {
        guard let old else { return FileEntry(content, contentType: contentType, metadata: meta ?? [:]) }
        var chunks: [ChunkRef]
        if case .index(let d, _) = old.content, let pending = tx.nodes[d] {
            // The index was made by an earlier write of this batch and is not in the store yet.
            chunks = try TreeNode.decodeIndex(pending)
        } else {
            chunks = try await ContentIndex.chunks(of: old, source: source)
        }
        chunks.append(contentsOf: content.chunks)
        // ETag of an appended file: a chained MD5 over the old ETag and the new part, marked `-N` like multipart.
        let parts = (old.partCount ?? 1) + 1
        let oldTag = old.etag.split(separator: "-").first.map(String.init) ?? old.etag
        let chained = Digest.md5(Array((Hex.decode(oldTag) ?? []) + content.md5))
        var e = old
        // The bytes no longer split into the uploaded parts.
        e.partSizes = nil
        e.size = old.size + content.size
        e.md5 = nil
        e.checksum = nil
        e.partChecksums = nil
        e.etag = "\(Hex.encode(chained))-\(parts)"
        if let contentType { e.contentType = contentType }
        if let meta { e.metadata = meta }
        e.content = ContentIndex.content(for: chunks, into: &tx)
        return e
    }
}
