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

    /// The fields, behind one reference shared by copies until one of them changes: an entry is copied through
    /// edits, listings and responses, and a copy of the fields themselves retains each of their strings and arrays.
    private var storage: Storage

    private final class Storage: @unchecked Sendable {  // fields change only while uniquely referenced
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private struct Fields: Hashable {
        var size: UInt64
        var md5: [UInt8]?
        var etag: String
        var contentType: String
        var metadata: [String: String]
        var commit: CommitID
        var modifiedMillis: Int64
        var content: Content
        var partSizes: [UInt64]?
        var previous: VersionLink?
        var checksum: ContentChecksum?
        var partChecksums: [ContentChecksum]?
    }

    init(
        size: UInt64, md5: [UInt8]?, etag: String, contentType: String, metadata: [String: String], commit: CommitID, modifiedMillis: Int64,
        content: Content, partSizes: [UInt64]? = nil, previous: VersionLink? = nil, checksum: ContentChecksum? = nil,
        partChecksums: [ContentChecksum]? = nil
    ) {
        storage = Storage(
            Fields(
                size: size, md5: md5, etag: etag, contentType: contentType, metadata: metadata, commit: commit, modifiedMillis: modifiedMillis,
                content: content, partSizes: partSizes, previous: previous, checksum: checksum, partChecksums: partChecksums))
    }

    private var fields: Fields {
        _read { yield storage.fields }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            yield &storage.fields
        }
    }

    public var size: UInt64 {
        get { fields.size }
        set { fields.size = newValue }
    }
    /// The MD5 of the whole content, when known (unknown after an append).
    public var md5: [UInt8]? {
        get { fields.md5 }
        set { fields.md5 = newValue }
    }
    /// The S3 ETag without quotes: the hex MD5, or a composite `hash-N`.
    public var etag: String {
        get { fields.etag }
        set { fields.etag = newValue }
    }
    public var contentType: String {
        get { fields.contentType }
        set { fields.contentType = newValue }
    }
    /// User metadata (`x-amz-meta-*` without the prefix).
    public var metadata: [String: String] {
        get { fields.metadata }
        set { fields.metadata = newValue }
    }
    /// The commit that last changed this file.
    public var commit: CommitID {
        get { fields.commit }
        set { fields.commit = newValue }
    }
    /// Milliseconds since 1970 of the change.
    public var modifiedMillis: Int64 {
        get { fields.modifiedMillis }
        set { fields.modifiedMillis = newValue }
    }
    var content: Content {
        get { fields.content }
        set { fields.content = newValue }
    }
    /// The sizes of the parts of a multipart upload, in order (nil for a file written in one piece), so a
    /// reader can ask for one part as S3's `partNumber` does.
    public var partSizes: [UInt64]? {
        get { fields.partSizes }
        set { fields.partSizes = newValue }
    }
    /// The version before this one in its branch's history (nil: none, or written before versions were linked).
    var previous: VersionLink? {
        get { fields.previous }
        set { fields.previous = newValue }
    }
    /// The checksum the writer sent and the door verified (nil when none was sent, and after an append).
    public var checksum: ContentChecksum? {
        get { fields.checksum }
        set { fields.checksum = newValue }
    }
    /// For a multipart upload with a checksum: each part's, in order, in the algorithm of ``checksum``.
    public var partChecksums: [ContentChecksum]? {
        get { fields.partChecksums }
        set { fields.partChecksums = newValue }
    }

    public static func == (a: FileEntry, b: FileEntry) -> Bool {
        a.storage === b.storage || a.storage.fields == b.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        storage.fields.hash(into: &hasher)
    }

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
