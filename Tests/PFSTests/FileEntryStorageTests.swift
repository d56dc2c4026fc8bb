import Testing

@testable import PFS

/// A file entry shares its fields between copies; it must not show: a copy changes alone, and a changed entry
/// never encodes as it was.
@Suite struct FileEntryStorageTests {
    private static func entry() -> FileEntry {
        FileEntry(
            size: 3, md5: [1, 2, 3], etag: "010203", contentType: "text/plain", metadata: ["k": "v"],
            commit: CommitID("0123456789abcdef0123456789abcdef")!, modifiedMillis: 5,
            content: .chunks([ChunkRef(digest: Digest.of([9]), size: 3, inMeta: true, crc32: 7)]))
    }

    private static func encoding(_ e: FileEntry) -> [UInt8] {
        var w = BinaryWriter()
        TreeNode.encode(e, into: &w)
        return w.bytes
    }

    private static func leaf(_ entries: [FileEntry]) -> TreeNode {
        TreeNode.leaf(entries.enumerated().map { (Key("f\($0.offset)"), $0.element) })
    }

    @Test func aCopyChangesAlone() {
        let original = Self.entry()
        var copy = original
        copy.size = 4
        copy.etag = "other"
        copy.metadata["k"] = "w"
        copy.previous = .put(CommitID("fedcba9876543210fedcba9876543210")!)
        #expect(original.size == 3 && original.etag == "010203" && original.metadata == ["k": "v"] && original.previous == nil)
        #expect(copy.size == 4 && copy.etag == "other" && copy.metadata == ["k": "w"])
        #expect(copy != original)
        var same = original
        same.size = 3
        #expect(same == original && same.hashValue == original.hashValue)
    }

    /// Each field changed after the entry was encoded, alone or shared with a copy: the next encoding is the
    /// changed entry's, and it decodes to the changed entry.
    @Test(arguments: [false, true])
    func aChangedEntryEncodesAsChanged(_ shared: Bool) throws {
        let changes: [(String, (inout FileEntry) -> Void)] = [
            ("size", { $0.size = 99 }), ("md5", { $0.md5 = nil }), ("etag", { $0.etag = "abc-2" }),
            ("contentType", { $0.contentType = "image/png" }), ("metadata", { $0.metadata = [:] }),
            ("commit", { $0.commit = CommitID("fedcba9876543210fedcba9876543210")! }), ("modified", { $0.modifiedMillis = 6 }),
            ("content", { $0.content = .index(Digest.of([1]), count: 40) }), ("partSizes", { $0.partSizes = [1, 2] }),
            ("previous", { $0.previous = .put(CommitID("fedcba9876543210fedcba9876543210")!) }),
            ("checksum", { $0.checksum = ContentChecksum(.crc32, value: [1, 2, 3, 4]) }),
        ]
        for (field, change) in changes {
            var e = Self.entry()
            let before = Self.encoding(e)
            #expect(Self.encoding(e) == before, "\(field): encoding again")
            let keep = shared ? e : nil
            change(&e)
            let after = Self.encoding(e)
            #expect(after != before, "\(field)")
            let decoded = try TreeNode.decode(Self.leaf([e]).encode()).leaf.entry(0)
            #expect(decoded == e, "\(field)")
            if let keep { #expect(Self.encoding(keep) == before, "\(field): the unchanged copy") }
        }
    }
}
