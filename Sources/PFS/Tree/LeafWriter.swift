/// Lays out a leaf record by record: new entries encoded, files carried over from an old leaf copied as bytes.
struct LeafWriter {
    private var records = BinaryWriter(capacity: 8192)
    private var starts: [Int] = []
    private var totalSize: UInt64 = 0

    var isEmpty: Bool { starts.isEmpty }

    mutating func append(_ key: Key, _ entry: FileEntry) {
        starts.append(records.bytes.count)
        records.data(key.bytes)
        TreeNode.encode(entry, into: &records)
        totalSize &+= entry.size
    }

    /// Appends record `i` of `leaf` as it is.
    mutating func append(_ leaf: LeafEntries, _ i: Int) {
        starts.append(records.bytes.count)
        records.bytes.append(contentsOf: leaf.record(i))
        totalSize &+= leaf.size(i)
    }

    /// The leaf of the records appended since the last one; the writer starts over empty.
    mutating func finish() -> LeafEntries {
        var w = BinaryWriter(capacity: records.bytes.count + 12)
        w.byte(TreeNode.leafTag)
        w.varint(0)
        w.varint(UInt64(starts.count))
        let header = w.bytes.count
        w.bytes.append(contentsOf: records.bytes)
        let leaf = LeafEntries(bytes: w.bytes, starts: starts.map { $0 + header } + [w.bytes.count], totalSize: totalSize)
        records.bytes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        totalSize = 0
        return leaf
    }
}
