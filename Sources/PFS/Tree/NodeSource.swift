/// Where tree algorithms load nodes from.
protocol NodeSource: Sendable {
    func node(_ digest: Digest) async throws -> TreeNode
    /// The files of `leaf`, the node `digest`, decoded.
    func decodedLeaf(_ digest: Digest, _ leaf: TreeNode) throws -> DecodedLeaf
}

extension NodeSource {
    func decodedLeaf(_ digest: Digest, _ leaf: TreeNode) throws -> DecodedLeaf { try DecodedLeaf(leaf.leaf) }
}

/// A tree: the digest of its root node, or nil when it holds no file.
typealias TreeRoot = Digest?
