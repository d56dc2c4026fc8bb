/// A node of a commit's file tree: a prolly tree whose node boundaries depend only on the keys, so the
/// same set of files always gives the same nodes, whatever the history that built it.
///
/// Leaves (level 0) hold file entries, kept encoded (``LeafEntries``); an internal node at level L holds,
/// for each child at level L-1, the child's last key and digest. Nodes are immutable and addressed by the
/// SHA-256 of their encoding.
struct TreeNode: Sendable {
    var level: Int
    /// Leaves only.
    var leaf: LeafEntries
    /// Internal nodes only: each child's last key, digest, file count and total bytes.
    var childKeys: [Key]
    var children: [Digest]
    var counts: [UInt64]
    var sizes: [UInt64]
    /// The size of the node's encoding.
    var encodedSize: Int

    static let leafTag: UInt8 = 0x4C  // "L"
    static let internalTag: UInt8 = 0x49  // "I"
    static let indexTag: UInt8 = 0x58  // "X": a large file's chunk list

    init(leaf: LeafEntries) {
        level = 0
        self.leaf = leaf
        childKeys = []
        children = []
        counts = []
        sizes = []
        encodedSize = leaf.bytes.count
    }

    init(level: Int, childKeys: [Key], children: [Digest], counts: [UInt64], sizes: [UInt64]) {
        precondition(level > 0, "an internal node is above the leaves")
        self.level = level
        leaf = .empty
        self.childKeys = childKeys
        self.children = children
        self.counts = counts
        self.sizes = sizes
        encodedSize = 0
    }

    /// A leaf of `files`, given in key order.
    static func leaf(_ files: [(Key, FileEntry)]) -> TreeNode {
        var w = LeafWriter()
        for (k, e) in files { w.append(k, e) }
        return TreeNode(leaf: w.finish())
    }

    var isLeaf: Bool { level == 0 }

    /// Files and bytes below this node.
    var totals: (count: UInt64, bytes: UInt64) {
        if isLeaf { return (UInt64(leaf.count), leaf.totalSize) }
        return (counts.reduce(0, +), sizes.reduce(0, +))
    }
    var count: Int { isLeaf ? leaf.count : childKeys.count }

    /// The key of entry or child `i`.
    func key(_ i: Int) -> Key { isLeaf ? leaf.key(i) : childKeys[i] }

    /// The index of the first entry or child whose key is `>= key`.
    func lowerBound(_ key: Key) -> Int {
        if isLeaf { return leaf.lowerBound(key) }
        var lo = 0
        var hi = childKeys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if childKeys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Roughly the heap memory the node takes, so caches of nodes can be bounded by bytes.
    var estimatedMemory: Int {
        if isLeaf { return 128 + leaf.bytes.count + leaf.count * 8 }
        return 256 + childKeys.count * 96 + children.count * 48 + encodedSize
    }

    func encode() -> [UInt8] {
        if isLeaf { return leaf.bytes }
        var w = BinaryWriter(capacity: childKeys.count * 96 + 8)
        w.byte(Self.internalTag)
        w.varint(UInt64(level))
        w.varint(UInt64(childKeys.count))
        for i in 0..<childKeys.count {
            w.data(childKeys[i].bytes)
            w.digest(children[i])
            w.varint(counts[i])
            w.varint(sizes[i])
        }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> TreeNode {
        var r = BinaryReader(bytes)
        let tag = try r.byte()
        guard tag == leafTag || tag == internalTag else { throw PFSError.corrupt("not a tree node") }
        let level = try r.int()
        let n = try r.count()
        if (tag == leafTag) != (level == 0) { throw PFSError.corrupt("node level does not match its kind") }
        if tag == leafTag { return TreeNode(leaf: try LeafEntries(decoding: bytes, from: r.position, count: n)) }
        var keys: [Key] = []
        var children: [Digest] = []
        var counts: [UInt64] = []
        var sizes: [UInt64] = []
        keys.reserveCapacity(n)
        children.reserveCapacity(n)
        for _ in 0..<n {
            keys.append(Key(try r.data()))
            children.append(try r.digest())
            counts.append(try r.varint())
            sizes.append(try r.varint())
        }
        var node = TreeNode(level: level, childKeys: keys, children: children, counts: counts, sizes: sizes)
        node.encodedSize = bytes.count
        return node
    }

    static func encode(_ e: FileEntry, into w: inout BinaryWriter) {
        w.varint(e.size)
        w.data(e.md5 ?? [])
        w.string(e.etag)
        w.string(e.contentType)
        w.varint(UInt64(e.metadata.count))
        if !e.metadata.isEmpty {
            for (k, v) in e.metadata.sorted(by: { $0.key < $1.key }) {
                w.string(k)
                w.string(v)
            }
        }
        w.string(e.commit.rawValue)
        w.signed(e.modifiedMillis)
        // The high bit of the content tag says part sizes follow the content (entries before it have none).
        // The next bit says a version link follows them (entries written before versions were linked have none),
        // and the one after that a checksum follows the link.
        // The one after that: the parts' checksums follow the checksum.
        let partSums = e.checksum == nil ? nil : e.partChecksums
        let flags: UInt8 =
            (e.partSizes == nil ? 0 : partsFlag) | (e.previous == nil ? 0 : previousFlag) | (e.checksum == nil ? 0 : checksumFlag)
            | (partSums == nil ? 0 : partChecksumsFlag)
        switch e.content {
        case .chunks(let refs):
            w.byte(0 | flags)
            encodeChunks(refs, into: &w)
        case .index(let d, let count):
            w.byte(1 | flags)
            w.digest(d)
            w.varint(UInt64(count))
        }
        if let sizes = e.partSizes {
            w.varint(UInt64(sizes.count))
            for s in sizes { w.varint(s) }
        }
        switch e.previous {
        case nil: break
        case .put(let c):
            w.byte(1)
            w.string(c.rawValue)
        case .deleted(let d, let before):
            w.byte(2)
            w.string(d.rawValue)
            w.string(before.rawValue)
        }
        if let c = e.checksum {
            w.byte(checksumCodes[c.algorithm]!)
            w.varint(UInt64(c.parts ?? 0))
            w.data(c.value)
        }
        if let partSums {
            w.varint(UInt64(partSums.count))
            for p in partSums { w.data(p.value) }
        }
    }

    private static let partsFlag: UInt8 = 0x80
    private static let previousFlag: UInt8 = 0x40
    private static let checksumFlag: UInt8 = 0x20
    private static let partChecksumsFlag: UInt8 = 0x10
    /// Stored codes of the checksum algorithms: fixed, whatever the order of the enum's cases.
    private static let checksumCodes: [ContentChecksum.Algorithm: UInt8] = [.crc32: 1, .crc32c: 2, .crc64nvme: 3, .sha1: 4, .sha256: 5]
    private static let checksumAlgorithms = Dictionary(uniqueKeysWithValues: checksumCodes.map { ($1, $0) })

    static func decodeEntry(_ r: inout BinaryReader, strings: inout NodeStrings) throws -> FileEntry {
        let size = try r.varint()
        let md5 = try r.data()
        let etag = try r.string()
        let ct = try strings.string(&r)
        let mc = try r.count()
        var meta: [String: String] = [:]
        for _ in 0..<mc {
            let k = try strings.string(&r)
            meta[k] = try r.string()
        }
        guard let commit = try strings.commit(&r) else { throw PFSError.corrupt("bad commit id in entry") }
        let mod = try r.signed()
        let content: FileEntry.Content
        let tag = try r.byte()
        switch tag & ~(partsFlag | previousFlag | checksumFlag | partChecksumsFlag) {
        case 0: content = .chunks(try decodeChunks(&r))
        case 1: content = .index(try r.digest(), count: try r.int())
        default: throw PFSError.corrupt("bad content tag")
        }
        var partSizes: [UInt64]?
        if tag & partsFlag != 0 {
            let n = try r.count()
            partSizes = try (0..<n).map { _ in try r.varint() }
        }
        var previous: VersionLink?
        if tag & previousFlag != 0 {
            func id() throws -> CommitID {
                guard let c = try strings.commit(&r) else { throw PFSError.corrupt("bad commit id in version link") }
                return c
            }
            switch try r.byte() {
            case 1: previous = .put(try id())
            case 2: previous = .deleted(try id(), before: try id())
            default: throw PFSError.corrupt("bad version link kind")
            }
        }
        var checksum: ContentChecksum?
        if tag & checksumFlag != 0 {
            guard let algorithm = checksumAlgorithms[try r.byte()] else { throw PFSError.corrupt("bad checksum algorithm") }
            let parts = try r.varint()
            guard parts <= UInt64(Int32.max), let c = ContentChecksum(algorithm, value: try r.data(), parts: parts == 0 ? nil : Int(parts)) else {
                throw PFSError.corrupt("bad checksum")
            }
            checksum = c
        }
        var partChecksums: [ContentChecksum]?
        if tag & partChecksumsFlag != 0 {
            guard let algorithm = checksum?.algorithm else { throw PFSError.corrupt("part checksums without a checksum") }
            let n = try r.count()
            partChecksums = try (0..<n).map { _ in
                guard let c = ContentChecksum(algorithm, value: try r.data()) else { throw PFSError.corrupt("bad part checksum") }
                return c
            }
        }
        return FileEntry(
            size: size, md5: md5.isEmpty ? nil : md5, etag: etag, contentType: ct, metadata: meta, commit: commit,
            modifiedMillis: mod, content: content, partSizes: partSizes, previous: previous, checksum: checksum, partChecksums: partChecksums)
    }

    /// Reads past the entry at `p` in `b` as ``decodeEntry(_:strings:)`` would decode it, failing where it would
    /// fail, without making the entry; returns its file size, or nil for an entry that would not decode.
    ///
    /// On the bytes in place rather than through a ``BinaryReader``: every leaf read from the store is checked
    /// whole, though a lookup then decodes one entry of it (the check was a tenth of a cold version listing).
    static func checkEntry(_ b: UnsafeBufferPointer<UInt8>, _ p: inout Int) -> UInt64? {
        func varint() -> UInt64? { b.varint(at: &p) }
        // A count of what follows, at most the bytes left (``BinaryReader/count()``).
        func count() -> Int? {
            guard let v = varint(), v <= UInt64(b.count - p) else { return nil }
            return Int(v)
        }
        func field() -> Int? {
            guard let n = count() else { return nil }
            p += n
            return n
        }
        func skip(_ n: Int) -> Bool {
            guard b.count - p >= n else { return false }
            p += n
            return true
        }
        func commitID() -> Bool {
            guard let n = count(), n == 32, CommitID.isValid(UnsafeBufferPointer(rebasing: b[p..<p + 32])) else { return false }
            p += 32
            return true
        }
        guard let size = varint(), field() != nil, field() != nil, field() != nil, let metadata = count() else { return nil }
        for _ in 0..<metadata { guard field() != nil, field() != nil else { return nil } }
        guard commitID(), varint() != nil, p < b.count else { return nil }
        let tag = b[p]
        p += 1
        switch tag & ~(partsFlag | previousFlag | checksumFlag | partChecksumsFlag) {
        case 0:
            guard let chunks = count() else { return nil }
            for _ in 0..<chunks {
                guard skip(32), let v = varint() else { return nil }
                if v & crcFlag != 0 { guard skip(4) else { return nil } }
            }
        case 1:
            guard skip(32), let n = varint(), n <= UInt64(Int.max) else { return nil }
        default: return nil
        }
        if tag & partsFlag != 0 {
            guard let parts = count() else { return nil }
            for _ in 0..<parts { guard varint() != nil else { return nil } }
        }
        if tag & previousFlag != 0 {
            guard p < b.count else { return nil }
            let kind = b[p]
            p += 1
            switch kind {
            case 1: guard commitID() else { return nil }
            case 2: guard commitID(), commitID() else { return nil }
            default: return nil
            }
        }
        var algorithm: ContentChecksum.Algorithm?
        if tag & checksumFlag != 0 {
            guard p < b.count, let a = checksumAlgorithms[b[p]] else { return nil }
            p += 1
            guard let parts = varint(), parts <= UInt64(Int32.max), field() == a.size else { return nil }
            algorithm = a
        }
        if tag & partChecksumsFlag != 0 {
            guard let algorithm, let n = count() else { return nil }
            for _ in 0..<n { guard field() == algorithm.size else { return nil } }
        }
        return size
    }

    static func encodeChunks(_ refs: [ChunkRef], into w: inout BinaryWriter) {
        w.varint(UInt64(refs.count))
        for c in refs {
            w.digest(c.digest)
            // Bit 0: in the metadata store; bits 1-32: the size; bit 33: a CRC-32 follows (references
            // written before it was recorded have none, and their size word never reaches bit 33).
            w.varint(UInt64(c.size) << 1 | (c.inMeta ? 1 : 0) | (c.crc32 == nil ? 0 : crcFlag))
            if let crc = c.crc32 { w.uint32(crc) }
        }
    }

    private static let crcFlag: UInt64 = 1 << 33

    static func decodeChunks(_ r: inout BinaryReader) throws -> [ChunkRef] {
        let n = try r.count()
        var refs = [ChunkRef]()
        refs.reserveCapacity(n)
        for _ in 0..<n {
            let d = try r.digest()
            let v = try r.varint()
            let crc = v & crcFlag == 0 ? nil : try r.uint32()
            refs.append(ChunkRef(digest: d, size: UInt32(truncatingIfNeeded: v >> 1), inMeta: v & 1 == 1, crc32: crc))
        }
        return refs
    }

    static func encodeIndex(_ refs: [ChunkRef]) -> [UInt8] {
        var w = BinaryWriter(capacity: refs.count * 36 + 8)
        w.byte(indexTag)
        encodeChunks(refs, into: &w)
        return w.bytes
    }

    static func decodeIndex(_ bytes: [UInt8]) throws -> [ChunkRef] {
        var r = BinaryReader(bytes)
        guard try r.byte() == indexTag else { throw PFSError.corrupt("not a chunk index") }
        return try decodeChunks(&r)
    }

    /// Whether `key` ends a node at `level`: about one key in ``fanout``, decided by a hash of the key alone.
    static func isBoundary(_ key: Key, level: Int) -> Bool {
        key.bytes.withUnsafeBufferPointer { isBoundary($0, level: level) }
    }

    /// Whether the key of these bytes ends a node at `level`.
    static func isBoundary(_ key: UnsafeBufferPointer<UInt8>, level: Int) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 &+ UInt64(level) &* 0x9E37_79B9_7F4A_7C15
        for b in key {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h % fanout == 0
    }

    /// Average entries per node.
    static let fanout: UInt64 = 64
}
