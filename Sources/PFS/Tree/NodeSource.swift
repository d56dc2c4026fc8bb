/// Where tree algorithms load nodes from.
protocol NodeSource: Sendable {
    func node(_ digest: Digest) async throws -> TreeNode
}

/// A tree: the digest of its root node, or nil when it holds no file.
typealias TreeRoot = Digest?
