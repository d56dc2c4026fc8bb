internal import Crypto

/// Chunk lists of file entries: inline for small files, in a content-addressed index node for large ones.
enum ContentIndex {
    /// Above this many chunks a file's chunk list moves out of the tree leaf into an index node.
    static let inlineLimit = 32

    static func chunks(of entry: FileEntry, source: StoreNodeSource) async throws -> [ChunkRef] {
        switch entry.content {
        case .chunks(let c): return c
        case .index(let d, _): return try TreeNode.decodeIndex(try await source.raw(d))
        }
    }

    static func content(for chunks: [ChunkRef], into tx: inout MetadataTransaction) -> FileEntry.Content {
        if chunks.count <= inlineLimit { return .chunks(chunks) }
        let enc = TreeNode.encodeIndex(chunks)
        let d = Digest.of(enc)
        tx.nodes[d] = enc
        return .index(d, count: chunks.count)
    }
}

extension Digest {
    static func md5(_ bytes: [UInt8]) -> [UInt8] { Array(Insecure.MD5.hash(data: bytes)) }
}
