/// Builds the canonical nodes of a tree from a key-ordered stream of entries and reused subtrees.
///
/// One pending buffer per level; an entry whose key is a boundary at that level closes the node.
/// A whole old subtree may be pushed in place of its entries when every buffer below its parent level
/// is empty, since its entries would chunk into exactly its nodes again.
final class TreeBuilder {
    private struct Ref {
        var key: Key
        var digest: Digest
        var count: UInt64
        var bytes: UInt64
    }

    private var leaf = LeafWriter()
    private var levels: [[Ref]] = []  // levels[i] holds refs to nodes of level i, building a node of level i+1
    /// New nodes by digest, with their encodings.
    private(set) var newNodes: [Digest: [UInt8]] = [:]
    private(set) var decoded: [Digest: TreeNode] = [:]

    init() {}

    func pushEntry(_ key: Key, _ entry: FileEntry) {
        leaf.append(key, entry)
        if TreeNode.isBoundary(key, level: 0) { flushLeaf() }
    }

    /// Pushes file `i` of an old leaf unchanged, as bytes.
    func pushEntry(from old: LeafEntries, _ i: Int) {
        leaf.append(old, i)
        if old.withKey(i, { TreeNode.isBoundary($0, level: 0) }) { flushLeaf() }
    }

    /// Pushes a child subtree of level `childLevel` (0 = a leaf) with its aggregates.
    func pushChild(level childLevel: Int, key: Key, digest: Digest, count: UInt64, bytes: UInt64) {
        while levels.count <= childLevel { levels.append([]) }
        levels[childLevel].append(Ref(key: key, digest: digest, count: count, bytes: bytes))
        if TreeNode.isBoundary(key, level: childLevel + 1) { flush(level: childLevel) }
    }

    /// Whether nothing is pending at the leaves and at levels below `level`'s parent.
    func isClean(through level: Int) -> Bool {
        if !leaf.isEmpty { return false }
        var i = 0
        while i < level, i < levels.count {
            if !levels[i].isEmpty { return false }
            i += 1
        }
        return true
    }

    private func flushLeaf() {
        guard !leaf.isEmpty else { return }
        let node = TreeNode(leaf: leaf.finish())
        let (d, totals) = store(node)
        pushChild(level: 0, key: node.leaf.key(node.count - 1), digest: d, count: totals.count, bytes: totals.bytes)
    }

    private func flush(level: Int) {
        let refs = levels[level]
        guard !refs.isEmpty else { return }
        levels[level].removeAll(keepingCapacity: true)
        let node = TreeNode(
            level: level + 1, childKeys: refs.map(\.key), children: refs.map(\.digest), counts: refs.map(\.count), sizes: refs.map(\.bytes))
        let (d, totals) = store(node)
        pushChild(level: level + 1, key: refs.last!.key, digest: d, count: totals.count, bytes: totals.bytes)
    }

    private func store(_ node: TreeNode) -> (Digest, (count: UInt64, bytes: UInt64)) {
        var node = node
        let enc = node.encode()
        node.encodedSize = enc.count
        let d = Digest.of(enc)
        newNodes[d] = enc
        decoded[d] = node
        return (d, node.totals)
    }

    /// Closes every pending node and returns the root (nil for an empty tree).
    func finish() -> TreeRoot {
        if !leaf.isEmpty {
            let higherEmpty = levels.allSatisfy(\.isEmpty)
            flushLeaf()
            if higherEmpty, levels.count == 1, levels[0].count == 1 { return levels[0][0].digest }
        }
        var level = 0
        while level < levels.count {
            let higherEmpty = levels[(level + 1)...].allSatisfy(\.isEmpty)
            if higherEmpty {
                if levels[level].isEmpty { level += 1; continue }
                if levels[level].count == 1 { return levels[level][0].digest }
            }
            flush(level: level)
            level += 1
        }
        return nil
    }
}
