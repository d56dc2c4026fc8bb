import Testing

@testable import PFS

/// A leaf keeps its files encoded: keys are found and compared in its bytes, entries decode one at a time, and a
/// leaf rebuilt from copied records is the same leaf, byte for byte, as one rebuilt from its decoded entries.
@Suite struct LeafEntriesTests {
    private static let commit = CommitID("0123456789abcdef0123456789abcdef")!
    private static let other = CommitID("fedcba9876543210fedcba9876543210")!

    /// Entries with every optional field, in key order.
    private static let files: [(Key, FileEntry)] = {
        let chunks = [
            ChunkRef(digest: Digest.of([1]), size: 10, inMeta: true, crc32: 42), ChunkRef(digest: Digest.of([2]), size: 20, inMeta: false, crc32: nil),
        ]
        let rich = FileEntry(
            size: 30, md5: Array(repeating: 7, count: 16), etag: "abc-2", contentType: "text/csv", metadata: ["a": "1", "b": "2"], commit: commit,
            modifiedMillis: 1_700_000_000_000, content: .chunks(chunks), partSizes: [10, 20], previous: .deleted(other, before: commit),
            checksum: ContentChecksum(.crc32, value: [1, 2, 3, 4], parts: 2),
            partChecksums: [ContentChecksum(.crc32, value: [1, 2, 3, 4])!, ContentChecksum(.crc32, value: [5, 6, 7, 8])!])
        let large = FileEntry(
            size: 1 << 40, md5: nil, etag: "e", contentType: "application/octet-stream", metadata: [:], commit: other, modifiedMillis: -5,
            content: .index(Digest.of([9]), count: 12), previous: .put(commit))
        let empty = FileEntry(size: 0, md5: nil, etag: "", contentType: "", metadata: [:], commit: commit, modifiedMillis: 0, content: .chunks([]))
        // The empty key and a key that is a prefix of the next one.
        return [(Key(""), empty), (Key("a"), rich), (Key("a/b"), large), (Key("a/b/c" + String(repeating: "x", count: 300)), rich)]
    }()

    @Test func keysEntriesAndSizesReadBack() throws {
        let leaf = try TreeNode.decode(TreeNode.leaf(Self.files).encode()).leaf
        #expect(leaf.count == Self.files.count)
        #expect(leaf.totalSize == Self.files.reduce(0) { $0 + $1.1.size })
        for (i, (k, e)) in Self.files.enumerated() {
            #expect(leaf.key(i) == k)
            #expect(try leaf.entry(i) == e)
            #expect(leaf.size(i) == e.size)
            #expect(leaf.compareKey(i, k) == 0)
        }
    }

    @Test func lowerBoundAndComparisonsFollowKeyOrder() {
        let leaf = TreeNode.leaf(Self.files).leaf
        let keys = Self.files.map(\.0)
        for probe in keys + [Key("0"), Key("a/"), Key("a/b/"), Key("b"), Key([0xFF])] {
            #expect(leaf.lowerBound(probe) == keys.firstIndex { $0 >= probe } ?? keys.count, "\(probe.string)")
            for i in keys.indices { #expect((leaf.compareKey(i, probe) < 0) == (keys[i] < probe)) }
        }
        for i in keys.indices {
            for j in keys.indices { #expect((leaf.compareKey(i, with: leaf, j) < 0) == (keys[i] < keys[j])) }
        }
    }

    /// The writer's two ways of taking a file give one leaf, so a rewritten leaf keeps its digest.
    @Test func copiedRecordsMakeTheSameLeafAsEncodedEntries() throws {
        let leaf = try TreeNode.decode(TreeNode.leaf(Self.files).encode()).leaf
        var copied = LeafWriter()
        var encoded = LeafWriter()
        for i in 0..<leaf.count {
            copied.append(leaf, i)
            encoded.append(leaf.key(i), try leaf.entry(i))
        }
        let a = copied.finish()
        #expect(a.bytes == leaf.bytes)
        #expect(encoded.finish().bytes == leaf.bytes)
        #expect(a.totalSize == leaf.totalSize)
        // A writer starts over after each leaf.
        copied.append(leaf, 1)
        let one = copied.finish()
        #expect(one.count == 1 && one.key(0) == Key("a") && one.totalSize == 30)
    }

    /// The check made when a leaf is decoded reads exactly as far as decoding an entry does.
    @Test func checkingAnEntryReadsAsFarAsDecodingIt() throws {
        for (_, e) in Self.files {
            var w = BinaryWriter()
            TreeNode.encode(e, into: &w)
            w.byte(0xEE)
            var checked = 0
            var decoded = BinaryReader(w.bytes)
            var strings = NodeStrings()
            #expect(w.bytes.withUnsafeBufferPointer { TreeNode.checkEntry($0, &checked) } == e.size)
            #expect(try TreeNode.decodeEntry(&decoded, strings: &strings) == e)
            #expect(checked == w.bytes.count - 1 && decoded.position == checked)
            // Cut anywhere, the entry fails both ways.
            for n in 0..<(w.bytes.count - 1) {
                var at = 0
                var reader = BinaryReader(Array(w.bytes.prefix(n)))
                #expect(Array(w.bytes.prefix(n)).withUnsafeBufferPointer { TreeNode.checkEntry($0, &at) } == nil, "first \(n) bytes")
                #expect(throws: PFSError.self) { try TreeNode.decodeEntry(&reader, strings: &strings) }
            }
        }
    }

    /// Nodes are addressed by their bytes: if their encoding drifted, equal contents written before and after would get
    /// different digests and share no subtree. The leaf of ``files`` and the root of a 1,000-file tree are pinned, at the
    /// values the encoder before ``LeafWriter`` gave (checked by building this test at a33e46e).
    @Test func theEncodingOfStoredNodesIsPinned() async throws {
        #expect(Digest.of(TreeNode.leaf(Self.files).encode()).hex == "e2531dc0a78aaeb55950e3f22f8ff868c3c76605cf3b96d57ae0b37722034212")
        var edits = TreeEdits()
        for i in 0..<1_000 { edits.put(Key("dir\(i % 37)/file-\(i)"), testEntry(i, size: UInt64(i))) }
        let root = try #require(try await Tree.apply(edits, to: nil, in: NoNodes()).root)
        #expect(root.hex == "e6c2c6f397d05842e78b4d30f732e77c912914bd8b350326c65147ac52985a0c")
    }
}

/// A source with no nodes: a tree built from nothing reads none.
private struct NoNodes: NodeSource {
    func node(_ digest: Digest) async throws -> TreeNode { throw PFSError.corrupt("no node \(digest)") }
}
