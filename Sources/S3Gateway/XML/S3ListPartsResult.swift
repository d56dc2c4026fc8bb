public import Foundation

/// A ListParts response page: `<ListPartsResult>`.
public struct S3ListPartsResult: Sendable, Hashable {
    /// One uploaded part.
    public struct Part: Sendable, Hashable {
        public var partNumber: Int
        public var lastModified: Date
        /// The ETag without quotes; written quoted.
        public var etag: String
        public var size: UInt64
        public var checksums: [S3Checksum]

        public init(partNumber: Int, lastModified: Date, etag: String, size: UInt64, checksums: [S3Checksum] = []) {
            self.partNumber = partNumber
            self.lastModified = lastModified
            self.etag = etag
            self.size = size
            self.checksums = checksums
        }
    }

    public var bucket: String
    public var key: String
    public var uploadId: String
    public var initiator: S3Owner?
    public var owner: S3Owner?
    public var storageClass: String
    /// The request's `part-number-marker` (0 when none).
    public var partNumberMarker: Int
    /// Written when set (a truncated page).
    public var nextPartNumberMarker: Int?
    public var maxParts: Int
    public var isTruncated: Bool
    public var parts: [Part]
    /// The upload's checksum algorithm and type, when it has one.
    public var checksum: S3ChecksumKind? = nil

    public init(
        bucket: String, key: String, uploadId: String, initiator: S3Owner? = nil, owner: S3Owner? = nil, storageClass: String = "STANDARD",
        partNumberMarker: Int, nextPartNumberMarker: Int?, maxParts: Int, isTruncated: Bool, parts: [Part]
    ) {
        self.bucket = bucket
        self.key = key
        self.uploadId = uploadId
        self.initiator = initiator
        self.owner = owner
        self.storageClass = storageClass
        self.partNumberMarker = partNumberMarker
        self.nextPartNumberMarker = nextPartNumberMarker
        self.maxParts = maxParts
        self.isTruncated = isTruncated
        self.parts = parts
    }

    /// The XML body: Bucket, Key, UploadId, Initiator, Owner, StorageClass, PartNumberMarker,
    /// NextPartNumberMarker, MaxParts, IsTruncated, Part{PartNumber, LastModified, ETag, Size, Checksum*}….
    public func xml() -> [UInt8] {
        var w = XMLWriter(capacity: 512 + parts.count * 200)
        w.declaration()
        w.element("ListPartsResult", xmlns: S3XMLResponses.namespace) { w in
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("UploadId", uploadId)
            if let initiator { S3XMLResponses.writeOwner(initiator, to: &w, element: "Initiator") }
            if let owner { S3XMLResponses.writeOwner(owner, to: &w) }
            w.element("StorageClass", storageClass)
            if let checksum {
                w.element("ChecksumAlgorithm", checksum.algorithm)
                w.element("ChecksumType", checksum.type)
            }
            w.element("PartNumberMarker", partNumberMarker)
            if let nextPartNumberMarker { w.element("NextPartNumberMarker", nextPartNumberMarker) }
            w.element("MaxParts", maxParts)
            w.element("IsTruncated", isTruncated)
            for p in parts {
                w.element("Part") { w in
                    w.element("PartNumber", p.partNumber)
                    w.element("LastModified", S3Time.iso8601(p.lastModified))
                    w.element("ETag", S3XMLResponses.quotedETag(p.etag))
                    w.element("Size", p.size)
                    S3XMLResponses.writeChecksums(p.checksums, to: &w)
                }
            }
        }
        return w.bytes
    }
}
