public import Foundation

/// A staged part as the metadata store keeps it: its chunks are reachable (kept by GC) until the
/// upload completes or is aborted.
public struct PartRecord: Hashable, Sendable {
    public var uploadID: String
    public var number: Int
    public var size: UInt64
    public var md5: [UInt8]
    var chunks: [ChunkRef]
    public var created: Date
    public var checksum: ContentChecksum? = nil

    var info: PartInfo { PartInfo(number: number, size: size, etag: Hex.encode(md5), created: created, checksum: checksum) }

    var encodedChunks: [UInt8] {
        var w = BinaryWriter()
        TreeNode.encodeChunks(chunks, into: &w)
        return w.bytes
    }

    static func decodeChunks(_ bytes: [UInt8]) throws -> [ChunkRef] {
        var r = BinaryReader(bytes)
        return try TreeNode.decodeChunks(&r)
    }
}
