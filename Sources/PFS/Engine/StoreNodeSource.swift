/// Loads tree nodes from the metadata store through the cache, verifying each node's digest.
struct StoreNodeSource: NodeSource {
    let metadata: any MetadataStore
    /// Nodes are immutable, so a cached node never goes stale; the cache only bounds memory.
    let cache: FIFOCache<Digest, TreeNode>
    /// Leaves lately walked by a cursor, decoded: small next to ``cache``, as decoded entries are many small
    /// objects, and a heap holding millions of them slows down everything the process allocates.
    let decodedLeaves: FIFOCache<Digest, DecodedLeaf>

    func node(_ digest: Digest) async throws -> TreeNode {
        if let n = cache.get(digest) { return n }
        let bytes = try await raw(digest)
        let n = try TreeNode.decode(bytes)
        cache.put(digest, n)
        return n
    }

    func decodedLeaf(_ digest: Digest, _ leaf: TreeNode) throws -> DecodedLeaf {
        if let d = decodedLeaves.get(digest) { return d }
        let d = try DecodedLeaf(leaf.leaf)
        decodedLeaves.put(digest, d)
        return d
    }

    func raw(_ digest: Digest) async throws -> [UInt8] {
        guard let bytes = try await metadata.node(digest) else { throw PFSError.corrupt("tree node \(digest) is missing") }
        guard Digest.of(bytes) == digest else { throw PFSError.corrupt("tree node \(digest) does not match its hash") }
        return bytes
    }
}

/// Nodes built in a pending write, in front of the store.
struct OverlayNodeSource: NodeSource {
    let pending: [Digest: TreeNode]
    let base: StoreNodeSource

    func node(_ digest: Digest) async throws -> TreeNode {
        if let n = pending[digest] { return n }
        return try await base.node(digest)
    }

    func decodedLeaf(_ digest: Digest, _ leaf: TreeNode) throws -> DecodedLeaf { try base.decodedLeaf(digest, leaf) }
}
