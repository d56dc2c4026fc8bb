import Foundation
import Synchronization
import PFSTestSupport
import Testing

@testable import PFS

/// Tree nodes in memory, fed from each builder's new nodes.
private final class MemoryNodeSource: NodeSource {
    private let nodes = Mutex<[Digest: TreeNode]>([:])

    func add(_ builder: TreeBuilder) {
        let new = builder.decoded
        nodes.withLock { $0.merge(new) { a, _ in a } }
    }

    func node(_ digest: Digest) async throws -> TreeNode {
        guard let n = nodes.withLock({ $0[digest] }) else { throw PFSError.corrupt("node \(digest) missing from the test source") }
        return n
    }
}

/// A tree over a memory source, with its expected content.
private struct TestTree {
    let source = MemoryNodeSource()

    @discardableResult
    func apply(_ edits: TreeEdits, to root: TreeRoot) async throws -> (root: TreeRoot, builder: TreeBuilder) {
        let r = try await Tree.apply(edits, to: root, in: source)
        source.add(r.builder)
        return r
    }

    func build(_ content: [Key: FileEntry]) async throws -> TreeRoot {
        var e = TreeEdits()
        for (k, v) in content { e.put(k, v) }
        return try await apply(e, to: nil).root
    }

    func entries(_ root: TreeRoot) async throws -> [(Key, FileEntry)] {
        var out: [(Key, FileEntry)] = []
        var c = try await TreeCursor.seek(root, to: Key([]), in: source)
        while let (k, e) = c.current {
            out.append((k, e))
            try await c.next()
        }
        return out
    }

    func height(_ root: TreeRoot) async throws -> Int {
        guard let root else { return 0 }
        return try await source.node(root).level + 1
    }

    /// Checks the structural invariants of a canonical tree and returns its node count.
    @discardableResult
    func checkInvariants(_ root: TreeRoot) async throws -> Int {
        guard let root else { return 0 }
        var count = 0
        // (digest, expected level or nil, whether the node is on the rightmost path)
        var stack: [(Digest, Int?, Bool)] = [(root, nil, true)]
        while let (d, level, rightmost) = stack.popLast() {
            let n = try await source.node(d)
            count += 1
            if let level { #expect(n.level == level, "node level") }
            #expect(n.count > 0, "no empty node")
            for i in 1..<max(1, n.count) { #expect(n.key(i - 1) < n.key(i), "keys sorted within a node") }
            if !rightmost, n.count > 0 {
                let last = n.key(n.count - 1)
                // A node that is not on the right edge ends at a key that is a boundary at its level and below.
                for l in 0...n.level { #expect(TreeNode.isBoundary(last, level: l), "node ends on a boundary") }
            }
            if n.isLeaf { continue }
            for i in 0..<n.count {
                let child = try await source.node(n.children[i])
                #expect(child.key(child.count - 1) == n.childKeys[i], "separator is the child's last key")
                #expect(child.totals.count == n.counts[i] && child.totals.bytes == n.sizes[i], "child aggregates")
                stack.append((n.children[i], n.level - 1, rightmost && i == n.count - 1))
            }
        }
        return count
    }
}

private func keyName(_ i: Int) -> Key { Key("dir\(i % 37)/sub\(i % 5)/file-\(i)") }

@Suite("Tree")
struct TreeTests {
    @Test("equal contents give equal roots, whatever the order and batching of edits")
    func historyIndependence() async throws {
        var rng = SplitMix64(seed: 42)
        let n = 5_000
        var content: [Key: FileEntry] = [:]
        for i in 0..<n { content[keyName(i)] = testEntry(i, size: UInt64(i % 100)) }
        let keys = Array(content.keys)
        let t = TestTree()

        // A: everything in one batch.
        let rootA = try await t.build(content)
        let height = try await t.height(rootA)
        #expect(height >= 3, "the tree should have several levels (height \(height))")
        let nodes = try await t.checkInvariants(rootA)
        #expect(nodes > n / 100)
        let listed = try await t.entries(rootA)
        #expect(listed.map(\.0) == keys.sorted())
        #expect(listed.allSatisfy { content[$0.0] == $0.1 })

        // B: random batches in random order, with junk keys and wrong values that are fixed up later.
        var rootB: TreeRoot = nil
        var remaining = keys.shuffled(using: &rng)
        var junk: [Key] = []
        while !remaining.isEmpty {
            var e = TreeEdits()
            let take = min(remaining.count, 1 + Int(rng.next() % 400))
            for k in remaining.suffix(take) {
                e.put(k, rng.next() % 4 == 0 ? testEntry(-1) : content[k]!)
            }
            remaining.removeLast(take)
            for _ in 0..<Int(rng.next() % 20) {
                let j = Key("junk/\(rng.next() % 100_000)")
                junk.append(j)
                e.put(j, testEntry(-2))
            }
            rootB = try await t.apply(e, to: rootB).root
        }
        var fix = TreeEdits()
        fix.deletePrefix(Array("junk/".utf8))
        for (k, v) in content { fix.put(k, v) }
        rootB = try await t.apply(fix, to: rootB).root
        #expect(!junk.isEmpty)
        #expect(rootB == rootA, "random batches")

        // C: one key at a time in descending order for a slice, batches for the rest.
        let sorted = keys.sorted()
        var rootC: TreeRoot = nil
        var e = TreeEdits()
        for k in sorted[500...] { e.put(k, content[k]!) }
        rootC = try await t.apply(e, to: rootC).root
        for k in sorted[..<500].reversed() {
            var one = TreeEdits()
            one.put(k, content[k]!)
            rootC = try await t.apply(one, to: rootC).root
        }
        #expect(rootC == rootA, "descending single-key inserts")

        // D: a superset, then the extra keys deleted one by one and by ranges.
        var superset = content
        var extras: [Key] = []
        for i in n..<(n + 2_000) {
            superset[keyName(i)] = testEntry(i)
            extras.append(keyName(i))
        }
        superset[Key("zzz/1")] = testEntry(1)
        superset[Key("zzz/2")] = testEntry(2)
        var rootD = try await t.build(superset)
        #expect(rootD != rootA)
        extras.shuffle(using: &rng)
        while !extras.isEmpty {
            var d = TreeEdits()
            let take = min(extras.count, 1 + Int(rng.next() % 300))
            for k in extras.suffix(take) { d.delete(k) }
            extras.removeLast(take)
            rootD = try await t.apply(d, to: rootD).root
        }
        var z = TreeEdits()
        z.deleteRange(lo: Key("zzz/"), hi: nil)
        rootD = try await t.apply(z, to: rootD).root
        #expect(rootD == rootA, "deletions back to the same content")
        try await t.checkInvariants(rootD)

        // Deleting everything gives the empty tree.
        var all = TreeEdits()
        all.deletePrefix([])
        #expect(try await t.apply(all, to: rootA).root == nil)
    }

    @Test("a one-key change writes one node per level")
    func fewNodesPerChange() async throws {
        var rng = SplitMix64(seed: 7)
        let n = 20_000
        var content: [Key: FileEntry] = [:]
        for i in 0..<n { content[keyName(i)] = testEntry(i) }
        let t = TestTree()
        let root = try await t.build(content)
        let height = try await t.height(root)
        let total = try await t.checkInvariants(root)
        #expect(height >= 3)
        #expect(total > 200)
        let sorted = content.keys.sorted()
        for trial in 0..<30 {
            let k = sorted[Int(rng.next() % UInt64(sorted.count))]
            // A changed value rewrites the path from the root to the leaf, plus the right edge, which is always
            // rebuilt (unchanged there, so its digests are the existing ones); the two share at least the root.
            var e = TreeEdits()
            e.put(k, testEntry(1_000_000 + trial))
            let (r1, b1) = try await t.apply(e, to: root)
            #expect(r1 != root)
            #expect(b1.newNodes.count >= height && b1.newNodes.count <= 2 * height - 1, "value change wrote \(b1.newNodes.count) nodes, height \(height)")
            let changed = try await diffKeys(root, r1, t)
            #expect(changed == [k])

            // An insert or a delete may also split or merge one node per level below the root.
            var ins = TreeEdits()
            ins.put(Key(k.string + "-new"), testEntry(5))
            let (r2, b2) = try await t.apply(ins, to: root)
            #expect(b2.newNodes.count <= 3 * height - 1, "insert wrote \(b2.newNodes.count) nodes, height \(height)")
            #expect(try await Tree.totals(r2, in: t.source).count == UInt64(n + 1))

            var del = TreeEdits()
            del.delete(k)
            let (r3, b3) = try await t.apply(del, to: root)
            #expect(b3.newNodes.count <= 3 * height - 1, "delete wrote \(b3.newNodes.count) nodes, height \(height)")
            #expect(try await Tree.lookup(r3, k, in: t.source) == nil)
            #expect(try await Tree.totals(r3, in: t.source).count == UInt64(n - 1))
        }
        // A change of the last key touches only the right edge.
        var last = TreeEdits()
        last.put(sorted.last!, testEntry(-5))
        let (_, bl) = try await t.apply(last, to: root)
        #expect(bl.newNodes.count == height)
    }

    private func diffKeys(_ a: TreeRoot, _ b: TreeRoot, _ t: TestTree) async throws -> [Key] {
        var out: [Key] = []
        try await TreeDiff.diff(a, b, in: t.source) { k, _, _ in
            out.append(k)
            return true
        }
        return out
    }

    @Test("cursor seeks to the first key at or after the target")
    func cursorSeek() async throws {
        var rng = SplitMix64(seed: 99)
        let t = TestTree()
        var content: [Key: FileEntry] = [:]
        // Keys with gaps so probes can fall between them; some share prefixes.
        for i in 0..<3_000 {
            let k = Key("k\(String(rng.next() % 1_000_000, radix: 16))/\(i % 3 == 0 ? "x" : "y")")
            content[k] = testEntry(i)
        }
        let root = try await t.build(content)
        #expect(try await t.height(root) >= 2)
        let sorted = content.keys.sorted()

        func expectSeek(_ probe: Key, _ what: String) async throws {
            var c = try await TreeCursor.seek(root, to: probe, in: t.source)
            let i = sorted.firstIndex { $0 >= probe } ?? sorted.count
            // The cursor stands at the first key >= probe and continues in order.
            for j in i..<min(sorted.count, i + 3) {
                #expect(c.current?.key == sorted[j], "seek \(what) \(probe.string): step \(j - i)")
                #expect(c.current?.entry == content[sorted[j]])
                try await c.next()
            }
            if i + 3 > sorted.count { #expect(c.current?.key == nil, "seek \(what) \(probe.string): end") }
        }

        try await expectSeek(Key([]), "empty")
        try await expectSeek(Key("a"), "before all")
        try await expectSeek(Key("zzz"), "after all")
        try await expectSeek(sorted.last!.immediateSuccessor, "just after the last")
        for _ in 0..<300 {
            let k = sorted[Int(rng.next() % UInt64(sorted.count))]
            try await expectSeek(k, "exact")
            try await expectSeek(k.immediateSuccessor, "successor")
            try await expectSeek(Key(Array(k.bytes.dropLast())), "prefix")
        }
        // Every key exactly once when iterating from the start, across every leaf boundary.
        #expect(try await t.entries(root).map(\.0) == sorted)

        // Re-seeking an existing cursor, backwards and forwards.
        var c = try await TreeCursor.seek(root, to: sorted[2_000], in: t.source)
        try await c.seek(root, to: sorted[10])
        #expect(c.current?.key == sorted[10])
        try await c.seek(root, to: Key("zzzz"))
        #expect(c.current == nil)
        try await c.next()
        #expect(c.current == nil, "next() past the end stays at the end")

        // An empty tree.
        let empty = try await TreeCursor.seek(nil, to: Key("a"), in: t.source)
        #expect(empty.current == nil)
        #expect(try await Tree.lookup(nil, Key("a"), in: t.source) == nil)
    }

    @Test("deleteRange merges overlapping and touching ranges")
    func deleteRangeMerges() throws {
        func ranges(_ e: TreeEdits) -> [String] { e.deletes.map { "[\($0.lo.string),\($0.hi?.string ?? "∞"))" } }
        var e = TreeEdits()
        e.deleteRange(lo: Key("f"), hi: Key("h"))
        e.deleteRange(lo: Key("b"), hi: Key("d"))
        #expect(ranges(e) == ["[b,d)", "[f,h)"])
        // Touching on the left end of [f,h) and the right end of [b,d).
        e.deleteRange(lo: Key("d"), hi: Key("e"))
        #expect(ranges(e) == ["[b,e)", "[f,h)"])
        e.deleteRange(lo: Key("e"), hi: Key("f"))
        #expect(ranges(e) == ["[b,h)"])
        // Contained and overlapping.
        e.deleteRange(lo: Key("c"), hi: Key("d"))
        #expect(ranges(e) == ["[b,h)"])
        e.deleteRange(lo: Key("a"), hi: Key("c"))
        #expect(ranges(e) == ["[a,h)"])
        e.deleteRange(lo: Key("x"), hi: Key("y"))
        #expect(ranges(e) == ["[a,h)", "[x,y)"])
        // An unbounded range swallows everything after it.
        e.deleteRange(lo: Key("g"), hi: nil)
        #expect(ranges(e) == ["[a,∞)"])
        #expect(e.isDeleted(Key("a")) && e.isDeleted(Key("zzz")) && !e.isDeleted(Key("0")))

        // A later put wins over an earlier delete; a later delete removes earlier puts in its range.
        var p = TreeEdits()
        p.put(Key("m/1"), testEntry(1))
        p.put(Key("n"), testEntry(2))
        p.deletePrefix(Array("m/".utf8))
        #expect(p.putEntry(Key("m/1")) == nil)
        #expect(p.putEntry(Key("n")) == testEntry(2))
        p.put(Key("m/2"), testEntry(3))
        #expect(p.putEntry(Key("m/2")) == testEntry(3))
        #expect(p.isDeleted(Key("m/2")) && p.isDeleted(Key("m/zz")) && !p.isDeleted(Key("m")) && !p.isDeleted(Key("n")))
        p.delete(Key("n"))
        #expect(ranges(p) == ["[m/,m0)", "[n,n\u{0})"])
        #expect(p.isDeleted(Key("n")) && !p.isDeleted(Key("n\u{0}")))
    }

    @Test("random edit batches against a model, including ranges", arguments: [UInt64(11), 12, 13])
    func randomEdits(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed)
        let t = TestTree()
        let alphabet = ["a", "b", "a/", "b/", "c"]
        func randomKey() -> Key {
            Key((0..<(1 + Int(rng.next() % 5))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined())
        }
        var model: [Key: FileEntry] = [:]
        for i in 0..<1_500 { model[randomKey()] = testEntry(i) }
        var root = try await t.build(model)
        for round in 0..<60 {
            var e = TreeEdits()
            var next = model
            for _ in 0..<(1 + Int(rng.next() % 40)) {
                switch rng.next() % 10 {
                case 0..<5:
                    let k = randomKey()
                    let v = testEntry(round * 1000 + Int(rng.next() % 1000))
                    e.put(k, v)
                    next[k] = v
                case 5..<7:
                    let k = randomKey()
                    e.delete(k)
                    next[k] = nil
                case 7..<9:
                    let p = randomKey().bytes
                    e.deletePrefix(p)
                    for k in next.keys where k.hasPrefix(p) { next[k] = nil }
                default:
                    var lo = randomKey()
                    var hi: Key? = rng.next() % 8 == 0 ? nil : randomKey()
                    if let h = hi, h < lo { (lo, hi) = (h, lo) }
                    e.deleteRange(lo: lo, hi: hi)
                    for k in next.keys where k >= lo && (hi == nil || k < hi!) { next[k] = nil }
                }
            }
            // The ranges stay sorted, disjoint and not touching.
            for i in 1..<max(1, e.deletes.count) {
                let a = e.deletes[i - 1]
                let b = e.deletes[i]
                #expect(a.hi != nil && a.hi! < b.lo, "delete ranges are sorted and separated")
            }
            let (newRoot, _) = try await t.apply(e, to: root)
            let got = try await t.entries(newRoot)
            #expect(got.map(\.0) == next.keys.sorted(), "round \(round): keys")
            #expect(got.allSatisfy { next[$0.0] == $0.1 }, "round \(round): values")
            // Same content built from scratch: same root.
            #expect(newRoot == (try await t.build(next)), "round \(round): history independence")
            // The diff between the two versions is exactly the model's.
            var changed: [Key] = []
            try await TreeDiff.diff(root, newRoot, in: t.source) { k, a, b in
                #expect(a == model[k] && b == next[k])
                changed.append(k)
                return true
            }
            let want = Set(model.keys).union(next.keys).filter { model[$0] != next[$0] }.sorted()
            #expect(changed == want, "round \(round): diff")
            try await t.checkInvariants(newRoot)
            root = newRoot
            model = next
        }
    }

    @Test("node encoding is stable: strings, digests and metadata encode to fixed bytes (node IDs depend on them)")
    func encodingIsStable() throws {
        var w = BinaryWriter()
        w.string("h\u{e9}llo")
        w.digest(Digest(w0: 0x0102_0304_0506_0708, w1: 0x1112_1314_1516_1718, w2: 0, w3: 0xFFFF_FFFF_FFFF_FFFE))
        w.varint(300)
        var expected: [UInt8] = [6, 0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F]
        expected += [1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18] + [UInt8](repeating: 0, count: 8)
        expected += [UInt8](repeating: 0xFF, count: 7) + [0xFE]
        expected += [0xAC, 0x02]
        #expect(w.bytes == expected)

        // Metadata is written sorted by name, so equal entries encode equally however they were built.
        func entry(_ meta: [(String, String)]) -> FileEntry {
            var m: [String: String] = [:]
            for (k, v) in meta { m[k] = v }
            return FileEntry(size: 3, md5: [9], etag: "e", contentType: "t", metadata: m, commit: CommitID("0123456789abcdef0123456789abcdef")!, modifiedMillis: 5, content: .chunks([]))
        }
        var a = BinaryWriter(), b = BinaryWriter()
        TreeNode.encode(entry([("zeta", "1"), ("alpha", "2"), ("mid", "3")]), into: &a)
        TreeNode.encode(entry([("mid", "3"), ("zeta", "1"), ("alpha", "2")]), into: &b)
        #expect(a.bytes == b.bytes)
        let alpha = Array("alpha".utf8), zeta = Array("zeta".utf8)
        let ai = try #require(a.bytes.firstRange(of: alpha)), zi = try #require(a.bytes.firstRange(of: zeta))
        #expect(ai.lowerBound < zi.lowerBound)
    }

    @Test("chunk lists keep their CRCs, and lists written before CRCs were recorded still decode")
    func chunkListsWithAndWithoutCRC() throws {
        let d = Digest.of([1, 2, 3])
        let refs = [
            ChunkRef(digest: d, size: 1 << 20, inMeta: false, crc32: 0xDEAD_BEEF),
            ChunkRef(digest: d, size: 3, inMeta: true, crc32: 0),
            ChunkRef(digest: d, size: UInt32.max, inMeta: true, crc32: nil),
            ChunkRef(digest: d, size: 0, inMeta: false, crc32: UInt32.max),
        ]
        #expect(try TreeNode.decodeIndex(TreeNode.encodeIndex(refs)) == refs)

        // The layout before CRCs: a count, then per chunk its digest and size << 1 | in-metadata.
        var old = BinaryWriter()
        old.byte(TreeNode.indexTag)
        old.varint(2)
        old.digest(d)
        old.varint(UInt64(UInt32.max) << 1 | 1)
        old.digest(d)
        old.varint(4096 << 1)
        let decoded = try TreeNode.decodeIndex(old.bytes)
        #expect(decoded == [ChunkRef(digest: d, size: UInt32.max, inMeta: true, crc32: nil), ChunkRef(digest: d, size: 4096, inMeta: false, crc32: nil)])
        // A CRC flagged but cut off is an error, not a short read.
        var cut = TreeNode.encodeIndex([refs[0]])
        cut.removeLast()
        #expect(throws: PFSError.self) { try TreeNode.decodeIndex(cut) }
    }
}
