/// The files of a leaf decoded, as a cursor walks them. Kept a while in a small cache of their own
/// (``StoreNodeSource``), so a listing page read again does not decode its entries again, while the
/// node cache holds leaves encoded.
struct DecodedLeaf: Sendable {
    let keys: [Key]
    let entries: [FileEntry]
    /// Roughly the heap memory the decoded files take, so their cache can be bounded by bytes: an entry
    /// takes about 400 bytes of objects and arrays besides its bytes.
    let estimatedMemory: Int

    init(_ leaf: LeafEntries) throws {
        var keys: [Key] = []
        var entries: [FileEntry] = []
        keys.reserveCapacity(leaf.count)
        entries.reserveCapacity(leaf.count)
        var strings = NodeStrings()
        for i in 0..<leaf.count {
            keys.append(leaf.key(i))
            entries.append(try leaf.entry(i, strings: &strings))
        }
        self.keys = keys
        self.entries = entries
        estimatedMemory = 256 + leaf.count * 496 + leaf.bytes.count
    }
}
