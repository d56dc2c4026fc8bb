import Testing

@testable import PFS

/// Tree nodes and chunk lists come back from a store that may hold anything (a torn write, a bit flip): decoding
/// reports corruption as an error, never as a crash.
@Suite struct TreeNodeDecodingTests {
    private static let commit = CommitID("0123456789abcdef0123456789abcdef")!

    private static func leaf() -> TreeNode {
        let entries = (0..<4).map { i in
            FileEntry(
                size: UInt64(i), md5: [UInt8(i)], etag: "e\(i)", contentType: "text/plain", metadata: ["k": "v\(i)"], commit: commit,
                modifiedMillis: 5,
                content: .chunks([ChunkRef(digest: Digest.of([UInt8(i)]), size: UInt32(i), inMeta: i.isMultiple(of: 2), crc32: 7)]))
        }
        return TreeNode.leaf(entries.enumerated().map { (Key("file\($0.offset)"), $0.element) })
    }

    /// Found by `make fuzz`: a level past `Int.max` trapped in the conversion.
    @Test func aLevelPastIntMaxIsCorrupt() {
        let bytes: [UInt8] = [0x49, 0xF7, 0x9A, 0x9A, 0x9A, 0x9A, 0x9A, 0xFB, 0xFF, 0xFF, 0x05, 0x00, 0x00]
        #expect(throws: PFSError.self) { try TreeNode.decode(bytes) }
    }

    /// Counts and lengths beyond the record, up to `UInt64.max`, where `Int(_:)` trapped or `position + n` overflowed.
    @Test(arguments: [UInt64(1) << 40, UInt64(Int.max), UInt64(Int.max) + 1, UInt64.max])
    func countsBeyondTheRecordAreCorrupt(_ count: UInt64) {
        var entries = BinaryWriter()
        entries.byte(TreeNode.leafTag)
        entries.varint(0)
        entries.varint(count)
        #expect(throws: PFSError.self) { try TreeNode.decode(entries.bytes) }

        var keyLength = BinaryWriter()
        keyLength.byte(TreeNode.leafTag)
        keyLength.varint(0)
        keyLength.varint(1)
        keyLength.varint(count)
        #expect(throws: PFSError.self) { try TreeNode.decode(keyLength.bytes) }

        var chunks = BinaryWriter()
        chunks.byte(TreeNode.indexTag)
        chunks.varint(count)
        #expect(throws: PFSError.self) { try TreeNode.decodeIndex(chunks.bytes) }
    }

    @Test func everyTruncationOfANodeIsCorrupt() throws {
        let bytes = Self.leaf().encode()
        #expect(try TreeNode.decode(bytes).encode() == bytes)
        for n in 0..<bytes.count {
            #expect(throws: PFSError.self, "first \(n) bytes") { try TreeNode.decode(Array(bytes.prefix(n))) }
        }
    }

    /// Each byte of a node set to values that stretch varints and counts: the result decodes or throws, and in a
    /// leaf that decodes, every entry decodes too (a leaf's entries are read one at a time, long after it was checked).
    @Test func everyChangedByteDecodesOrThrows() throws {
        let bytes = Self.leaf().encode()
        var decoded = 0
        for i in bytes.indices {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF, bytes[i] ^ 0x40] {
                var changed = bytes
                changed[i] = value
                guard let node = try? TreeNode.decode(changed) else { continue }
                decoded += 1
                #expect(try TreeNode.decode(node.encode()).encode() == node.encode())
                let files = try (0..<node.count).map { (node.leaf.key($0), try node.leaf.entry($0)) }
                #expect(TreeNode.leaf(files).leaf.totalSize == node.leaf.totalSize)
            }
        }
        #expect(decoded > 0)
    }

    /// Bad values inside an entry, whose framing is whole: the leaf fails as it is decoded, not when the entry is read.
    @Test func aBadValueInAnEntryFailsTheLeaf() throws {
        let bytes = Self.leaf().encode()
        let commit = Array(Self.commit.rawValue.utf8)
        let at = try #require((0...(bytes.count - commit.count)).first { Array(bytes[$0..<($0 + commit.count)]) == commit })
        var upper = bytes
        upper[at] = UInt8(ascii: "A")
        #expect(throws: PFSError.self) { try TreeNode.decode(upper) }
    }
}
