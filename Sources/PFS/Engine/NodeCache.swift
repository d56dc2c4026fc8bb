import Synchronization

/// Decoded tree nodes by digest. Nodes are immutable, so an entry never goes stale; the cache only bounds memory.
final class NodeCache: Sendable {
    private struct State {
        var nodes: [Digest: TreeNode] = [:]
        var order: [Digest] = []
        var head = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 50_000) { self.capacity = capacity }

    func get(_ d: Digest) -> TreeNode? { state.withLock { $0.nodes[d] } }

    func put(_ d: Digest, _ node: TreeNode) {
        state.withLock { s in
            guard s.nodes.updateValue(node, forKey: d) == nil else { return }
            // FIFO eviction: a ring of insertion order.
            if s.order.count < capacity {
                s.order.append(d)
            } else {
                s.nodes[s.order[s.head]] = nil
                s.order[s.head] = d
                s.head = (s.head + 1) % capacity
            }
        }
    }
}

/// Loads tree nodes from the metadata store through the cache, verifying each node's digest.
struct StoreNodeSource: NodeSource {
    let metadata: any MetadataStore
    let cache: NodeCache

    func node(_ digest: Digest) async throws -> TreeNode {
        if let n = cache.get(digest) { return n }
        let bytes = try await raw(digest)
        let n = try TreeNode.decode(bytes)
        cache.put(digest, n)
        return n
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
}
