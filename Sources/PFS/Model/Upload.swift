public import Foundation

/// A multipart upload: parts staged outside any commit until it is completed (one commit) or aborted.
public struct UploadInfo: Hashable, Sendable {
    /// 32 lowercase hex characters.
    public var id: String
    public var repo: RepoID
    public var branch: String
    public var path: String
    public var contentType: String?
    public var metadata: [String: String]
    public var created: Date
    /// The checksum every part carries and the object gets (nil: none).
    public var checksum: UploadChecksum?

    public init(
        id: String, repo: RepoID, branch: String, path: String, contentType: String?, metadata: [String: String], created: Date,
        checksum: UploadChecksum? = nil
    ) {
        self.id = id
        self.repo = repo
        self.branch = branch
        self.path = path
        self.contentType = contentType
        self.metadata = metadata
        self.created = created
        self.checksum = checksum
    }
}

/// The checksum a multipart upload gives its object: of the whole content (a CRC, combined from the
/// parts' CRCs) or composite (the checksum of the parts' checksums).
public struct UploadChecksum: Hashable, Sendable {
    public var algorithm: ContentChecksum.Algorithm
    public var composite: Bool

    /// Nil for a combination that cannot be made: a whole-content SHA, or a composite CRC-64/NVME (S3 refuses both).
    public init?(_ algorithm: ContentChecksum.Algorithm, composite: Bool) {
        guard composite ? algorithm != .crc64nvme : algorithm.isCombinable else { return nil }
        self.algorithm = algorithm
        self.composite = composite
    }
}

/// One staged part of a multipart upload.
public struct PartInfo: Hashable, Sendable {
    public var number: Int
    public var size: UInt64
    /// The part's MD5 in hex: its ETag.
    public var etag: String
    public var created: Date
    /// The part's checksum, when it was sent one or its upload asks for one.
    public var checksum: ContentChecksum?

    public init(number: Int, size: UInt64, etag: String, created: Date, checksum: ContentChecksum? = nil) {
        self.number = number
        self.size = size
        self.etag = etag
        self.created = created
        self.checksum = checksum
    }
}
