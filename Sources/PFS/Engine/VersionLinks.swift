/// Links the file versions a write makes to the versions before them, and keeps the tombstone tree
/// that remembers deleted keys, so a key's history is a chain of point lookups (see ``VersionLister``).
enum VersionLinks {
    /// Sets ``FileEntry/previous`` on every put of `edits`, a write by commit `id` onto the trees
    /// `live` and `tombstones`, and returns the changes it makes to the tombstone tree.
    ///
    /// Links are relative to the commit's parent: a version written twice in one open commit keeps the
    /// link of its first write, and a key both made and deleted in one open commit leaves no trace.
    /// Costs a lookup per put and the number of deleted keys, never the size of the tree.
    static func link(
        _ edits: inout TreeEdits, live: TreeRoot, tombstones: TreeRoot, commit id: CommitID, now: Int64, in source: some NodeSource
    ) async throws -> TreeEdits {
        var tombEdits = TreeEdits()
        for k in edits.sortedPutKeys() {
            var e = edits.putEntry(k)!
            if let old = try await Tree.lookup(live, k, in: source) {
                e.previous = old.commit == id ? old.previous : .put(old.commit)
            } else if let t = try await Tree.lookup(tombstones, k, in: source), case .put(let removed) = t.previous {
                // A tombstone of this very commit: the key is back as if never deleted, replacing `removed`.
                e.previous = t.commit == id ? .put(removed) : .deleted(t.commit, before: removed)
                tombEdits.delete(k)
            } else {
                e.previous = nil
            }
            edits.put(k, e)
        }
        for range in edits.deletes {
            var cursor = try await TreeCursor.seek(live, to: range.lo, in: source)
            while let (k, old) = cursor.current, range.hi == nil || k < range.hi! {
                if edits.putEntry(k) == nil, let tomb = tombstone(deleting: old, commit: id, now: now) { tombEdits.put(k, tomb) }
                try await cursor.next()
            }
        }
        return tombEdits
    }

    /// The tombstone left when commit `id` deletes `old`; nil when `old` was made by `id` itself from nothing.
    private static func tombstone(deleting old: FileEntry, commit id: CommitID, now: Int64) -> FileEntry? {
        guard old.commit == id else { return .tombstone(commit: id, removed: old.commit, millis: now) }
        switch old.previous {
        case nil: return nil
        case .put(let removed): return .tombstone(commit: id, removed: removed, millis: now)
        // The deletion before it stands again, as the parent had it.
        case .deleted(let deleter, let removed): return .tombstone(commit: deleter, removed: removed, millis: now)
        }
    }
}
