/// An ordered iterator over the entries of a tree, positioned by seeking to a key.
struct TreeCursor {
    private var stack: [(node: TreeNode, index: Int)] = []
    /// The files of the leaf on top of the stack, decoded.
    private var leaf: DecodedLeaf?
    private let source: any NodeSource

    /// A cursor at the first entry with key `>= key`.
    static func seek(_ root: TreeRoot, to key: Key, in source: any NodeSource) async throws -> TreeCursor {
        var c = TreeCursor(source: source)
        try await c.seek(root, to: key)
        return c
    }

    private init(source: any NodeSource) { self.source = source }

    mutating func seek(_ root: TreeRoot, to key: Key) async throws {
        stack.removeAll(keepingCapacity: true)
        guard var d = root else { return }
        while true {
            let node = try await source.node(d)
            let i = node.lowerBound(key)
            if i >= node.count {
                // Past every key of this subtree: continue after it.
                if stack.isEmpty { return }
                try await advancePastTop()
                return
            }
            stack.append((node, i))
            if node.isLeaf {
                leaf = try source.decodedLeaf(d, node)
                return
            }
            d = node.children[i]
        }
    }

    var current: (key: Key, entry: FileEntry)? {
        guard let top = stack.last, top.node.isLeaf, top.index < top.node.count, let leaf else { return nil }
        return (leaf.keys[top.index], leaf.entries[top.index])
    }

    mutating func next() async throws {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].index += 1
        if stack[stack.count - 1].index >= stack[stack.count - 1].node.count {
            stack.removeLast()
            try await advancePastTop()
        }
    }

    /// Moves the parent on top of the stack to its next child and descends to that child's first entry.
    private mutating func advancePastTop() async throws {
        while let top = stack.last {
            let i = top.index + 1
            if i < top.node.count {
                stack[stack.count - 1].index = i
                var d = top.node.children[i]
                while true {
                    let n = try await source.node(d)
                    stack.append((n, 0))
                    if n.isLeaf {
                        leaf = try source.decodedLeaf(d, n)
                        return
                    }
                    d = n.children[0]
                }
            }
            stack.removeLast()
        }
    }
}
