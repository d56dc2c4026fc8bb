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

    public init(id: String, repo: RepoID, branch: String, path: String, contentType: String?, metadata: [String: String], created: Date) {
        self.id = id
        self.repo = repo
        self.branch = branch
        self.path = path
        self.contentType = contentType
        self.metadata = metadata
        self.created = created
    }
}

/// One staged part of a multipart upload.
public struct PartInfo: Hashable, Sendable {
    public var number: Int
    public var size: UInt64
    /// The part's MD5 in hex: its ETag.
    public var etag: String
    public var created: Date

    public init(number: Int, size: UInt64, etag: String, created: Date) {
        self.number = number
        self.size = size
        self.etag = etag
        self.created = created
    }
}
