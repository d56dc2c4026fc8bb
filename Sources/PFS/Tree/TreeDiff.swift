/// The differences between two trees, found by walking both in key order and skipping every subtree
/// the two share, so the cost follows the size of the difference, not of the trees.
enum TreeDiff {
    private enum Item {
        case node(Digest, level: Int)
        case entry(Key, FileEntry)
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
                for i in stride(from: n.count - 1, through: 0, by: -1) { stack.append(.entry(n.keys[i], n.entries[i])) }
            } else {
                for i in stride(from: n.count - 1, through: 0, by: -1) { stack.append(.node(n.children[i], level: n.level - 1)) }
            }
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
            case (.entry(let ka, let ea)?, .entry(let kb, let eb)?):
                if ka == kb {
                    sa.removeLast()
                    sb.removeLast()
                    if ea != eb, ka.hasPrefix(prefix), !(try emit(ka, ea, eb)) { return }
                } else if ka < kb {
                    sa.removeLast()
                    if ka.hasPrefix(prefix), !(try emit(ka, ea, nil)) { return }
                } else {
                    sb.removeLast()
                    if kb.hasPrefix(prefix), !(try emit(kb, nil, eb)) { return }
                }
            case (.entry(let ka, let ea)?, nil):
                sa.removeLast()
                if ka.hasPrefix(prefix), !(try emit(ka, ea, nil)) { return }
            case (nil, .entry(let kb, let eb)?):
                sb.removeLast()
                if kb.hasPrefix(prefix), !(try emit(kb, nil, eb)) { return }
            }
        }
    }
}
