import Foundation

/// Keys of a history in order, each with its versions: what ``VersionPager`` pages through.
protocol VersionCursor {
    /// The key at the position; nil past the last key.
    var key: Key? { get }
    /// Moves to the first key `>= key`.
    mutating func seek(_ key: Key) async throws
    /// Moves to the next key.
    mutating func next() async throws
    /// Gives the versions of the current key to `body`, newest first, until it returns false.
    func versions(_ body: (FileVersion) async throws -> Bool) async throws
}

/// The versions of a history whose commits link each version to the one before: the keys are those
/// of the HEAD's file tree and tombstone tree merged, and a key's versions are a chain of point lookups
/// in the trees of the commits named by the links. A page costs its size, not the history's.
struct LinkedVersionCursor: VersionCursor {
    private let head: CommitRecord
    private let source: any NodeSource
    private let commit: @Sendable (CommitID) async throws -> CommitRecord
    private var live: TreeCursor
    private var tombstones: TreeCursor

    /// A cursor over the history of `head` at its first key, reading commits through `commit`.
    init(head: CommitRecord, source: any NodeSource, commit: @escaping @Sendable (CommitID) async throws -> CommitRecord) async throws {
        self.head = head
        self.source = source
        self.commit = commit
        live = try await TreeCursor.seek(head.root, to: Key([]), in: source)
        tombstones = try await TreeCursor.seek(head.tombstones, to: Key([]), in: source)
    }

    var key: Key? {
        switch (live.current?.key, tombstones.current?.key) {
        case (let l?, let t?): min(l, t)
        case (let l, let t): l ?? t
        }
    }

    mutating func seek(_ key: Key) async throws {
        try await live.seek(head.root, to: key)
        try await tombstones.seek(head.tombstones, to: key)
    }

    mutating func next() async throws {
        guard let k = key else { return }
        if live.current?.key == k { try await live.next() }
        if tombstones.current?.key == k { try await tombstones.next() }
    }

    func versions(_ body: (FileVersion) async throws -> Bool) async throws {
        guard let k = key else { return }
        let path = k.string
        var link: VersionLink?
        if let (lk, e) = live.current, lk == k {
            guard try await body(FileVersion(path: path, commit: e.commit, entry: e, time: try await time(e.commit), isLatest: true)) else { return }
            link = e.previous
        } else if let (_, t) = tombstones.current {
            guard try await body(FileVersion(path: path, commit: t.commit, entry: nil, time: try await time(t.commit), isLatest: true)) else { return }
            link = t.previous
        }
        // Links always point back in history; a repeat would be a corrupt store, and must not loop forever.
        var seen: Set<CommitID> = []
        while let l = link {
            guard seen.insert(l.commit).inserted else { throw PFSError.corrupt("the versions of '\(path)' link in a cycle at commit \(l.commit)") }
            switch l {
            case .deleted(let deleter, let removed):
                guard try await body(FileVersion(path: path, commit: deleter, entry: nil, time: try await time(deleter))) else { return }
                link = .put(removed)
            case .put(let writer):
                let rec = try await commit(writer)
                guard let e = try await Tree.lookup(rec.root, k, in: source), e.commit == writer else {
                    throw PFSError.corrupt("the version of '\(path)' written by commit \(writer) is missing from that commit")
                }
                guard try await body(FileVersion(path: path, commit: writer, entry: e, time: rec.finished ?? rec.started)) else { return }
                link = e.previous
            }
        }
    }

    private func time(_ id: CommitID) async throws -> Date {
        let rec = try await commit(id)
        return rec.finished ?? rec.started
    }
}

/// The versions of a history listed in full beforehand (by walking it commit by commit), for histories
/// begun before versions were linked.
struct WalkedVersionCursor: VersionCursor {
    /// Each key's versions, newest first, in key order.
    private let groups: [(key: Key, versions: [FileVersion])]
    private var index = 0

    /// A cursor over `versions`, given in key order, newest first within a key.
    init(_ versions: [FileVersion]) {
        var groups: [(key: Key, versions: [FileVersion])] = []
        for v in versions {
            if groups.last?.versions.first?.path == v.path {
                groups[groups.count - 1].versions.append(v)
            } else {
                var latest = v
                latest.isLatest = true
                groups.append((Key(v.path), [latest]))
            }
        }
        self.groups = groups
    }

    var key: Key? { index < groups.count ? groups[index].key : nil }

    mutating func seek(_ key: Key) async throws {
        var lo = 0
        var hi = groups.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if groups[mid].key < key { lo = mid + 1 } else { hi = mid }
        }
        index = lo
    }

    mutating func next() async throws { index += 1 }

    func versions(_ body: (FileVersion) async throws -> Bool) async throws {
        guard index < groups.count else { return }
        for v in groups[index].versions { guard try await body(v) else { return } }
    }
}
