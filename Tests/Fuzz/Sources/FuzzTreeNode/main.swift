@testable import PFS

/// Tree nodes and chunk indexes as read back from a store that may hold anything (a torn write, a bit flip,
/// another program's file): decoding must fail with an error, never crash or allocate without bound; a
/// node that decodes must encode to bytes that decode to the same node, and every entry of a leaf that
/// decodes must decode too (a leaf's entries are read one at a time, long after the leaf was checked).
///
/// An input starting with an even byte is decoded as it is; with an odd one, the rest is a list of
/// (position, value) pairs written over a valid node with every kind of field, so mutations start deep
/// inside well-formed entries.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTreeNode(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    var bytes = Array(input.dropFirst())
    if mode & 1 == 1 {
        let edits = bytes
        bytes = mode & 2 == 0 ? richLeaf : richIndex
        var i = 0
        while i + 2 < edits.count {
            let at = (Int(edits[i]) << 8 | Int(edits[i + 1])) % bytes.count
            bytes[at] = edits[i + 2]
            i += 3
        }
    }
    if let node = try? TreeNode.decode(bytes) {
        let again = node.encode()
        let redecoded = try! TreeNode.decode(again)
        precondition(redecoded.encode() == again, "a decoded node does not encode stably")
        if node.isLeaf {
            let files = (0..<node.count).map { i in
                (node.leaf.key(i), (try? node.leaf.entry(i)) ?? { preconditionFailure("entry \(i) of a checked leaf does not decode") }())
            }
            precondition(TreeNode.leaf(files).leaf.totalSize == node.leaf.totalSize, "re-encoded entries change the leaf's size")
        }
    }
    if let refs = try? TreeNode.decodeIndex(bytes) {
        precondition(try! TreeNode.decodeIndex(TreeNode.encodeIndex(refs)).count == refs.count)
    }
    return 0
}

private let commit = CommitID("0123456789abcdef0123456789abcdef")!
private let other = CommitID("fedcba9876543210fedcba9876543210")!

private let chunks: [ChunkRef] = [
    ChunkRef(digest: Digest.of([0]), size: 0, inMeta: true, crc32: 42),
    ChunkRef(digest: Digest.of([1]), size: 1000, inMeta: false, crc32: nil),
    ChunkRef(digest: Digest.of([2]), size: 2000, inMeta: false, crc32: 42),
]

private let richLeaf: [UInt8] = {
    var entries: [FileEntry] = []
    entries.append(
        FileEntry(
            size: 3000, md5: Array(repeating: 7, count: 16), etag: "abc-3", contentType: "text/csv", metadata: ["a": "1", "b": "2"],
            commit: commit, modifiedMillis: 1_700_000_000_000, content: .chunks(chunks), partSizes: [1000, 2000],
            previous: .deleted(other, before: commit), checksum: ContentChecksum(.crc32, value: [1, 2, 3, 4], parts: 2),
            partChecksums: [ContentChecksum(.crc32, value: [1, 2, 3, 4])!, ContentChecksum(.crc32, value: [5, 6, 7, 8])!]))
    entries.append(
        FileEntry(
            size: 1 << 40, md5: nil, etag: "e", contentType: "application/octet-stream", metadata: [:], commit: other,
            modifiedMillis: -5, content: .index(Digest.of([9]), count: 12), previous: .put(commit)))
    return TreeNode.leaf(Array(zip([Key("a/b.csv"), Key("z")], entries))).encode()
}()

private let richIndex: [UInt8] = TreeNode.encodeIndex(chunks)
