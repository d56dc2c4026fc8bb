public import Foundation

/// One version of one file as recorded in a commit's tree.
public struct FileEntry: Hashable, Sendable {
    /// Where the bytes of a file are.
    enum Content: Hashable, Sendable {
        /// The chunk list itself, for files of few chunks.
        case chunks([ChunkRef])
        /// A content-addressed index node holding the chunk list of a large file.
        case index(Digest, count: Int)
    }

    public var size: UInt64
    /// The MD5 of the whole content, when known (unknown after an append).
    public var md5: [UInt8]?
    /// The S3 ETag without quotes: the hex MD5, or a composite `hash-N`.
    public var etag: String
    public var contentType: String
    /// User metadata (`x-amz-meta-*` without the prefix).
    public var metadata: [String: String]
    /// The commit that last changed this file.
    public var commit: CommitID
    /// Milliseconds since 1970 of the change.
    public var modifiedMillis: Int64
    var content: Content
    /// The sizes of the parts of a multipart upload, in order (nil for a file written in one piece), so a
    /// reader can ask for one part as S3's `partNumber` does.
    public var partSizes: [UInt64]? = nil
    /// The version before this one in its branch's history (nil: none, or written before versions were linked).
    var previous: VersionLink? = nil
    /// The checksum the writer sent and the door verified (nil when none was sent, and after an append).
    public var checksum: ContentChecksum? = nil
    /// For a multipart upload with a checksum: each part's, in order, in the algorithm of ``checksum``.
    public var partChecksums: [ContentChecksum]? = nil

    public var modified: Date { Date(timeIntervalSince1970: Double(modifiedMillis) / 1000) }

    /// The number of parts in a composite ETag (`hash-N`), or nil for a plain MD5 ETag.
    public var partCount: Int? {
        if let partSizes { return partSizes.count }
        guard let dash = etag.lastIndex(of: "-") else { return nil }
        return Int(etag[etag.index(after: dash)...])
    }
}

/// A reference to one stored chunk.
struct ChunkRef: Hashable, Sendable {
    var digest: Digest
    var size: UInt32
    /// Kept in the metadata store (small chunks, written in the commit's own transaction) rather than the blob store.
    var inMeta: Bool
    /// The chunk's CRC-32, taken from the bytes its digest was taken from; nil in references written before
    /// pachs3 recorded it, whose chunks are checked against their SHA-256 instead.
    var crc32: UInt32?
}

extension FileEntry {
    /// The record of a deletion, kept in a commit's tombstone tree under the deleted key: `commit` made
    /// the deletion and `previous` names the version it removed.
    static func tombstone(commit: CommitID, removed: CommitID, millis: Int64) -> FileEntry {
        FileEntry(
            size: 0, md5: nil, etag: "", contentType: "", metadata: [:], commit: commit, modifiedMillis: millis, content: .chunks([]),
            previous: .put(removed))
    }

    /// The byte range of part `number` (1-based) of a multipart upload: nil when the file has no such part.
    public func partRange(_ number: Int) -> (offset: UInt64, length: UInt64)? {
        guard let partSizes, number >= 1, number <= partSizes.count else { return nil }
        return (partSizes[..<(number - 1)].reduce(0, +), partSizes[number - 1])
    }
}
