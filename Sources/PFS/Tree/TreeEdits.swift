/// A batch of changes to a tree, collapsed from operations applied in order: a later put wins over an
/// earlier delete of the same key, and a later delete removes earlier puts in its range.
struct TreeEdits: Sendable {
    private(set) var puts: [Key: FileEntry] = [:]
    /// Disjoint half-open ranges `[lo, hi)`, sorted; `hi == nil` means unbounded.
    private(set) var deletes: [(lo: Key, hi: Key?)] = []
    private var sortedPutsCache: [Key]?

    var isEmpty: Bool { puts.isEmpty && deletes.isEmpty }

    mutating func put(_ key: Key, _ entry: FileEntry) {
        puts[key] = entry
        sortedPutsCache = nil
    }

    mutating func delete(_ key: Key) { deleteRange(lo: key, hi: key.immediateSuccessor) }

    mutating func deletePrefix(_ prefix: [UInt8]) { deleteRange(lo: Key(prefix), hi: Key.successor(ofPrefix: prefix)) }

    mutating func deleteRange(lo: Key, hi: Key?) {
        for k in puts.keys where k >= lo && (hi == nil || k < hi!) { puts[k] = nil }
        sortedPutsCache = nil
        var lo = lo
        var hi = hi
        var kept: [(lo: Key, hi: Key?)] = []
        for r in deletes {
            // Overlapping or touching ranges merge.
            let rBeforeNew = r.hi != nil && r.hi! < lo
            let rAfterNew = hi != nil && hi! < r.lo
            if rBeforeNew || rAfterNew {
                kept.append(r)
            } else {
                lo = min(lo, r.lo)
                hi = (hi == nil || r.hi == nil) ? nil : max(hi!, r.hi!)
            }
        }
        kept.append((lo, hi))
        kept.sort { $0.lo < $1.lo }
        deletes = kept
    }

    /// The puts in key order.
    mutating func sortedPutKeys() -> [Key] {
        if let c = sortedPutsCache { return c }
        let s = puts.keys.sorted()
        sortedPutsCache = s
        return s
    }

    /// The entry a put assigns to `key`, if any.
    func putEntry(_ key: Key) -> FileEntry? { puts[key] }

    func isDeleted(_ key: Key) -> Bool {
        var lo = 0
        var hi = deletes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if deletes[mid].lo <= key { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return false }
        let r = deletes[lo - 1]
        return r.hi == nil || key < r.hi!
    }

    /// Whether any edit touches keys in `(lower, upper]` (nil bounds are unbounded).
    func touches(sortedPuts: [Key], lower: Key?, upper: Key?) -> Bool {
        if let i = firstIndex(in: sortedPuts, after: lower), i < sortedPuts.count, upper == nil || sortedPuts[i] <= upper! { return true }
        for r in deletes {
            let startsAfterRange = upper != nil && r.lo > upper!
            let endsBeforeRange = lower != nil && r.hi != nil && r.hi! <= lower!.immediateSuccessor
            if !startsAfterRange && !endsBeforeRange { return true }
        }
        return false
    }

    /// Whether every key in `(lower, upper]` is deleted and none is put.
    func coversAll(sortedPuts: [Key], lower: Key?, upper: Key?) -> Bool {
        if let i = firstIndex(in: sortedPuts, after: lower), i < sortedPuts.count, upper == nil || sortedPuts[i] <= upper! { return false }
        let first = lower?.immediateSuccessor ?? Key([])
        for r in deletes where r.lo <= first {
            if r.hi == nil { return true }
            if let upper, upper < r.hi! { return true }
        }
        return false
    }

    /// The index of the first key in `sorted` greater than `lower`.
    func firstIndex(in sorted: [Key], after lower: Key?) -> Int? {
        guard let lower else { return 0 }
        var lo = 0
        var hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= lower { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
