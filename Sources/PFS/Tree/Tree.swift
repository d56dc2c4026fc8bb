/// Algorithms over persistent trees: lookup, ordered iteration, batched edits and diffs.
enum Tree {
    static func lookup(_ root: TreeRoot, _ key: Key, in source: some NodeSource) async throws -> FileEntry? {
        guard var d = root else { return nil }
        while true {
            let node = try await source.node(d)
            let i = node.lowerBound(key)
            if node.isLeaf { return i < node.count && node.leaf.compareKey(i, key) == 0 ? try node.leaf.entry(i) : nil }
            guard i < node.count else { return nil }
            d = node.children[i]
        }
    }

    /// Files and total bytes of a tree.
    static func totals(_ root: TreeRoot, in source: some NodeSource) async throws -> (count: UInt64, bytes: UInt64) {
        guard let root else { return (0, 0) }
        return try await source.node(root).totals
    }

    /// Applies `edits` to the tree at `root`, writing only the nodes on changed paths.
    static func apply(_ edits: TreeEdits, to root: TreeRoot, in source: some NodeSource) async throws -> (root: TreeRoot, builder: TreeBuilder) {
        var edits = edits
        let puts = edits.sortedPutKeys()
        let builder = TreeBuilder()
        if let root {
            let node = try await source.node(root)
            try await visit(node, lower: nil, upper: nil, rightmost: true, edits: edits, puts: puts, builder: builder, source: source)
        } else {
            for k in puts { builder.pushEntry(k, edits.putEntry(k)!) }
        }
        var newRoot = builder.finish()
        // A chain of single-child nodes above the real root is dropped, so equal contents give equal roots.
        while let r = newRoot {
            let n: TreeNode
            if let d = builder.decoded[r] { n = d } else { n = try await source.node(r) }
            guard !n.isLeaf, n.count == 1 else { break }
            newRoot = n.children[0]
        }
        return (newRoot, builder)
    }

    private static func visit(
        _ node: TreeNode, lower: Key?, upper: Key?, rightmost: Bool, edits: TreeEdits, puts: [Key], builder: TreeBuilder,
        source: some NodeSource
    ) async throws {
        if node.isLeaf {
            let leaf = node.leaf
            var p = edits.firstIndex(in: puts, after: lower) ?? 0
            func inRange(_ k: Key) -> Bool { rightmost || upper == nil || k <= upper! }
            // Keys are compared in the leaf's bytes; unchanged files move to the new leaf as bytes.
            for i in 0..<leaf.count {
                while p < puts.count, leaf.compareKey(i, puts[p]) > 0, inRange(puts[p]) {
                    builder.pushEntry(puts[p], edits.putEntry(puts[p])!)
                    p += 1
                }
                if p < puts.count, leaf.compareKey(i, puts[p]) == 0 {
                    builder.pushEntry(puts[p], edits.putEntry(puts[p])!)
                    p += 1
                } else if edits.deletes.isEmpty || !edits.isDeleted(leaf.key(i)) {
                    builder.pushEntry(from: leaf, i)
                }
            }
            while p < puts.count, inRange(puts[p]) {
                builder.pushEntry(puts[p], edits.putEntry(puts[p])!)
                p += 1
            }
            return
        }
        for i in 0..<node.count {
            let last = i == node.count - 1
            let lo = i == 0 ? lower : node.childKeys[i - 1]
            let hi: Key? = (rightmost && last) ? nil : node.childKeys[i]
            if edits.coversAll(sortedPuts: puts, lower: lo, upper: hi) { continue }
            if hi != nil, !edits.touches(sortedPuts: puts, lower: lo, upper: hi), builder.isClean(through: node.level - 1) {
                builder.pushChild(level: node.level - 1, key: node.childKeys[i], digest: node.children[i], count: node.counts[i], bytes: node.sizes[i])
            } else {
                let child = try await source.node(node.children[i])
                try await visit(child, lower: lo, upper: hi, rightmost: rightmost && last, edits: edits, puts: puts, builder: builder, source: source)
            }
        }
    }
}
