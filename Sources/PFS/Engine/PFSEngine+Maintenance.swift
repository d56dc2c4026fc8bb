public import Foundation

/// What a garbage collection removed.
public struct GCReport: Sendable, Hashable {
    public var nodesDeleted = 0
    public var smallChunksDeleted = 0
    public var blobsDeleted = 0
    public var blobsKept = 0
    public var bytesFreed: UInt64 = 0
    public var temporariesRemoved = 0
    public var uploadsExpired = 0

    /// An empty report, to fill in.
    public init() {}
}

/// The result of a full integrity check.
public struct IntegrityReport: Sendable {
    public var commits = 0
    public var nodes = 0
    public var chunks = 0
    public var bytesVerified: UInt64 = 0
    /// Every problem found; empty when the store is sound.
    public var problems: [String] = []

    /// An empty report, to fill in.
    public init() {}
}

extension PFSEngine {
    /// Deletes every tree node and chunk that no commit (open or finished) or staged upload part reaches, and that no write in
    /// progress in this process uses. Blobs written or reused less than `grace` seconds ago are kept,
    /// which protects writers in other processes sharing the store.
    public func garbageCollect(grace: TimeInterval = 600, uploadExpiry: TimeInterval = 7 * 86_400) async throws -> GCReport {
        let start = Date()
        var report = GCReport()
        // Abandoned multipart uploads expire.
        for u in try await metadata.listUploads(nil) where u.created < start.addingTimeInterval(-uploadExpiry) {
            if try await metadata.deleteUpload(u.id) { report.uploadsExpired += 1 }
        }
        // Every chunk in flight at any time from here on is kept: a write that commits after the sweep has
        // marked the live set is protected without relying on blob timestamps, which may be coarse or skewed.
        let watch = inflight.beginWatch()
        defer { inflight.endWatch(watch) }
        let swept = try await metadata.sweep { snap in
            var live = Set<Digest>()
            var stack: [Digest] = []
            for c in try snap.allCommits() { stack.append(contentsOf: [c.root, c.tombstones].compactMap { $0 }) }
            func markChunks(_ refs: [ChunkRef]) { for r in refs { live.insert(r.digest) } }
            for p in try snap.allParts() { markChunks(p.chunks) }
            while let d = stack.popLast() {
                guard live.insert(d).inserted else { continue }
                guard let bytes = try snap.node(d) else { throw PFSError.corrupt("tree node \(d) is missing") }
                let node = try TreeNode.decode(bytes)
                if node.isLeaf {
                    for i in 0..<node.leaf.count {
                        switch try node.leaf.entry(i).content {
                        case .chunks(let refs): markChunks(refs)
                        case .index(let i, _):
                            live.insert(i)
                            guard let ib = try snap.node(i) else { throw PFSError.corrupt("chunk index \(i) is missing") }
                            markChunks(try TreeNode.decodeIndex(ib))
                        }
                    }
                } else {
                    stack.append(contentsOf: node.children)
                }
            }
            return live
        }
        report.nodesDeleted = swept.nodes
        report.smallChunksDeleted = swept.chunks
        let cutoff = start.addingTimeInterval(-grace)
        for (d, modified, size) in try await blobs.list() {
            if swept.live.contains(d) || modified > cutoff || inflight.wasInFlight(d, since: watch) {
                report.blobsKept += 1
                continue
            }
            if try await blobs.delete(d, unlessUsedAfter: cutoff) {
                report.blobsDeleted += 1
                report.bytesFreed += size
            } else {
                report.blobsKept += 1
            }
        }
        report.temporariesRemoved = try await blobs.removeStaleTemporaries(olderThan: start.addingTimeInterval(-Swift.max(grace, 600)))
        return report
    }

    /// The room the store has for new data (its blob store's volume); nil when the store cannot tell.
    public func storageSpace() async throws -> StorageSpace? {
        try await blobs.space()
    }

    /// Reads every commit's tree and every chunk it reaches, verifying each against its hash, and checks
    /// that branch HEADs and commit parents exist.
    public func checkIntegrity() async throws -> IntegrityReport {
        var report = IntegrityReport()
        var seenNodes = Set<Digest>()
        var seenChunks = Set<Digest>()
        let commits = try await metadata.allCommits()
        let ids = Set(commits.map(\.id))
        report.commits = commits.count
        for repo in try await metadata.listRepos(project: nil) {
            for b in try await metadata.listBranches(repo.repo) {
                if let h = b.head, !ids.contains(h) { report.problems.append("branch \(repo.repo)@\(b.name): HEAD \(h) is missing") }
            }
        }
        for c in commits {
            if let p = c.parent, !ids.contains(p) { report.problems.append("commit \(c.id): parent \(p) is missing") }
            var stack = [c.root, c.tombstones].compactMap { $0 }
            while let d = stack.popLast() {
                guard seenNodes.insert(d).inserted else { continue }
                let node: TreeNode
                do {
                    node = try TreeNode.decode(try await nodes.raw(d))
                } catch {
                    report.problems.append("commit \(c.id): \(error)")
                    continue
                }
                report.nodes += 1
                if !node.isLeaf {
                    stack.append(contentsOf: node.children)
                    continue
                }
                for i in 0..<node.leaf.count {
                    let k = node.leaf.key(i)
                    let e: FileEntry
                    do {
                        e = try node.leaf.entry(i)
                    } catch {
                        report.problems.append("\(k.string) in commit \(c.id): \(error)")
                        continue
                    }
                    for linked in e.previous?.commits ?? [] where !ids.contains(linked) {
                        report.problems.append("\(k.string) in commit \(c.id): the version before it names commit \(linked), which is missing")
                    }
                    let refs: [ChunkRef]
                    do {
                        refs = try await ContentIndex.chunks(of: e, source: nodes)
                    } catch {
                        report.problems.append("\(k.string) in commit \(c.id): \(error)")
                        continue
                    }
                    if refs.reduce(UInt64(0), { $0 + UInt64($1.size) }) != e.size {
                        report.problems.append("\(k.string) in commit \(c.id): chunk sizes do not add up to the file size")
                    }
                    for r in refs where seenChunks.insert(r.digest).inserted {
                        do {
                            let data = try await loader.load(r, fullHash: true)
                            report.chunks += 1
                            report.bytesVerified += UInt64(data.count)
                        } catch {
                            report.problems.append("\(k.string) in commit \(c.id): \(error)")
                        }
                    }
                }
            }
        }
        return report
    }
}
