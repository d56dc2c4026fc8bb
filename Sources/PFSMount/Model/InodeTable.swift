/// Inode numbers for the nodes the kernel knows, with the kernel's lookup counts.
///
/// A node gets a number the first time the kernel looks it up and keeps it for as long as the kernel
/// holds a reference (its lookup count is above zero); `forget` drops it, so memory follows what the
/// kernel caches, not the size of the trees. Numbers are never reused while mounted.
struct InodeTable<Key: Hashable>: Sendable where Key: Sendable {
    static var rootInode: UInt64 { 1 }

    struct Node: Sendable {
        var key: Key
        var lookups: UInt64
        /// What the kernel was last told the content of this node is (for keep_cache decisions).
        var contentIdentity: String?
    }

    private var byKey: [Key: UInt64] = [:]
    private var nodes: [UInt64: Node] = [:]
    private var nextInode: UInt64 = 2

    init(root: Key) {
        byKey[root] = Self.rootInode
        // The root is never forgotten: it starts with one reference the kernel never gives back.
        nodes[Self.rootInode] = Node(key: root, lookups: 1)
    }

    /// Nodes the table holds, the root included.
    var count: Int { nodes.count }

    func key(of inode: UInt64) -> Key? { nodes[inode]?.key }

    func inode(of key: Key) -> UInt64? { byKey[key] }

    func node(_ inode: UInt64) -> Node? { nodes[inode] }

    /// The node's inode number, creating it if needed, counting one more kernel reference.
    mutating func lookup(_ key: Key) -> UInt64 {
        if let ino = byKey[key] {
            nodes[ino]!.lookups += 1
            return ino
        }
        let ino = nextInode
        nextInode += 1
        byKey[key] = ino
        nodes[ino] = Node(key: key, lookups: 1)
        return ino
    }

    /// The kernel gives back `count` references; the node goes when none are left.
    mutating func forget(_ inode: UInt64, count: UInt64) {
        guard inode != Self.rootInode, var node = nodes[inode] else { return }
        node.lookups = node.lookups > count ? node.lookups - count : 0
        if node.lookups == 0 {
            nodes[inode] = nil
            if byKey[node.key] == inode { byKey[node.key] = nil }
            shrinkIfSparse()
        } else {
            nodes[inode] = node
        }
    }

    /// Dictionaries keep their capacity when emptied: after the kernel forgets most of a walk over a
    /// million files, the tables would still hold room for a million. Copying them into fitting storage
    /// once they are a quarter full costs O(1) per forget, amortized.
    private mutating func shrinkIfSparse() {
        guard nodes.capacity > 4096, nodes.count < nodes.capacity / 4 else { return }
        nodes = Dictionary(uniqueKeysWithValues: nodes.lazy.map { ($0.key, $0.value) })
        byKey = Dictionary(uniqueKeysWithValues: byKey.lazy.map { ($0.key, $0.value) })
    }

    /// Room the tables hold, in nodes (for tests).
    var capacity: Int { nodes.capacity }

    mutating func setContentIdentity(_ inode: UInt64, _ identity: String?) {
        nodes[inode]?.contentIdentity = identity
    }

    /// Moves a node to a new key (a rename): it keeps its number; a node at `newKey` loses its key.
    mutating func rekey(_ oldKey: Key, to newKey: Key) {
        guard let ino = byKey[oldKey] else { return }
        byKey[oldKey] = nil
        byKey[newKey] = ino
        nodes[ino]?.key = newKey
    }

    /// Inode numbers of the nodes whose key satisfies `predicate`.
    func inodes(where predicate: (Key) -> Bool) -> [(UInt64, Key)] {
        nodes.compactMap { predicate($0.value.key) ? ($0.key, $0.value.key) : nil }
    }
}
