import Foundation

/// How a file is put.
public struct PutOptions: Sendable, Hashable {
    /// The content type to record (default `application/octet-stream`; kept on append when nil).
    public var contentType: String?
    /// User metadata to record.
    public var metadata: [String: String]
    /// Add the bytes to the end of the existing file instead of replacing it.
    public var append: Bool
    /// Refuse the put, committing nothing, unless the MD5 of the body is this.
    public var expectedMD5: [UInt8]?
    /// Commit only if the file is in this state when the change is applied.
    public var precondition: PutPrecondition?
    /// The verified checksum of the body, recorded with the file; read once the body has ended, so
    /// its reader can fill it in from a trailer. Dropped by an append.
    public var checksum: BodyChecksum?

    public init(
        contentType: String? = nil, metadata: [String: String] = [:], append: Bool = false, expectedMD5: [UInt8]? = nil,
        precondition: PutPrecondition? = nil, checksum: BodyChecksum? = nil
    ) {
        self.contentType = contentType
        self.metadata = metadata
        self.append = append
        self.expectedMD5 = expectedMD5
        self.precondition = precondition
        self.checksum = checksum
    }
}

/// A condition on a file's current state, checked atomically with the write.
public enum PutPrecondition: Sendable, Hashable {
    /// The file must not exist (S3 `If-None-Match: *`).
    case absent
    /// The file must exist with this ETag (S3 `If-Match`; `*` matches any existing file).
    case etag(String)

    /// Why the condition does not hold for `current`, the file now at `path` (nil: there is none), or nil when it holds.
    /// S3 answers a conditional write of a missing key with NoSuchKey, hence ``PFSError/notFound(_:)`` then.
    public func failure(_ current: FileEntry?, path: String) -> PFSError? {
        switch self {
        case .absent:
            return current == nil ? nil : .preconditionFailed("'\(path)' already exists")
        case .etag(let tag):
            guard let current else { return .notFound("'\(path)' does not exist") }
            let want = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            return want == "*" || want == current.etag ? nil : .preconditionFailed("'\(path)' has ETag \(current.etag), not \(want)")
        }
    }
}

/// The descriptive attributes of a file version.
public struct FileAttributes: Sendable, Hashable {
    public var contentType: String?
    public var metadata: [String: String]

    public init(contentType: String? = nil, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.metadata = metadata
    }
}
