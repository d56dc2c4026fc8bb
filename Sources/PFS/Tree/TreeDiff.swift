/// The differences between two trees, found by walking both in key order and skipping every subtree
/// the two share, so the cost follows the size of the difference, not of the trees.
enum TreeDiff {
    private enum Item {
        case node(Digest, level: Int)
        /// File `index` of a leaf.
        case entry(LeafEntries, Int)
    }

    /// Calls `emit(key, old, new)` for each key whose entry differs, in key order, until it returns false.
    static func diff(
        _ a: TreeRoot, _ b: TreeRoot, prefix: [UInt8] = [], in source: some NodeSource,
        emit: (Key, FileEntry?, FileEntry?) throws -> Bool
    ) async throws {
        var sa: [Item] = []
        var sb: [Item] = []
        if let a { sa.append(.node(a, level: try await source.node(a).level)) }
        if let b { sb.append(.node(b, level: try await source.node(b).level)) }

        func expand(_ stack: inout [Item], _ d: Digest) async throws {
            let n = try await source.node(d)
            if n.isLeaf {
                for i in stride(from: n.count - 1, through: 0, by: -1) { stack.append(.entry(n.leaf, i)) }
            } else {
                for i in stride(from: n.count - 1, through: 0, by: -1) { stack.append(.node(n.children[i], level: n.level - 1)) }
            }
        }

        /// Emits file `i` of `leaf` as only in the old tree or only in the new; false when `emit` says stop.
        func emitOne(_ leaf: LeafEntries, _ i: Int, old: Bool) throws -> Bool {
            let k = leaf.key(i)
            guard k.hasPrefix(prefix) else { return true }
            let e = try leaf.entry(i)
            return try old ? emit(k, e, nil) : emit(k, nil, e)
        }

        while true {
            let ta = sa.last
            let tb = sb.last
            switch (ta, tb) {
            case (nil, nil):
                return
            case (.node(let da, let la)?, .node(let db, let lb)?):
                if da == db {
                    sa.removeLast()
                    sb.removeLast()
                } else if la >= lb {
                    sa.removeLast()
                    try await expand(&sa, da)
                } else {
                    sb.removeLast()
                    try await expand(&sb, db)
                }
            case (.node(let da, _)?, _):
                sa.removeLast()
                try await expand(&sa, da)
            case (_, .node(let db, _)?):
                sb.removeLast()
                try await expand(&sb, db)
            case (.entry(let la, let ia)?, .entry(let lb, let ib)?):
                let order = la.compareKey(ia, with: lb, ib)
                if order == 0 {
                    sa.removeLast()
                    sb.removeLast()
                    // Equal bytes are equal entries; unequal ones are compared decoded, as an entry may have more than one encoding.
                    if la.record(ia) == lb.record(ib) { continue }
                    let k = la.key(ia)
                    guard k.hasPrefix(prefix) else { continue }
                    let (ea, eb) = (try la.entry(ia), try lb.entry(ib))
                    if ea != eb, !(try emit(k, ea, eb)) { return }
                } else if order < 0 {
                    sa.removeLast()
                    if !(try emitOne(la, ia, old: true)) { return }
                } else {
                    sb.removeLast()
                    if !(try emitOne(lb, ib, old: false)) { return }
                }
            case (.entry(let la, let ia)?, nil):
                sa.removeLast()
                if !(try emitOne(la, ia, old: true)) { return }
            case (nil, .entry(let lb, let ib)?):
                sb.removeLast()
                if !(try emitOne(lb, ib, old: false)) { return }
            }
        }
    }
}
