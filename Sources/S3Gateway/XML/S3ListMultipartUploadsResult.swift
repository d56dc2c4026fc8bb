public import Foundation

/// A ListMultipartUploads response page: `<ListMultipartUploadsResult>`.
public struct S3ListMultipartUploadsResult: Sendable, Hashable {
    /// One upload in progress.
    public struct Upload: Sendable, Hashable {
        public var key: String
        public var uploadId: String
        public var initiator: S3Owner?
        public var owner: S3Owner?
        public var storageClass: String
        public var initiated: Date

        public init(key: String, uploadId: String, initiator: S3Owner? = nil, owner: S3Owner? = nil, storageClass: String = "STANDARD", initiated: Date) {
            self.key = key
            self.uploadId = uploadId
            self.initiator = initiator
            self.owner = owner
            self.storageClass = storageClass
            self.initiated = initiated
        }
    }

    public var bucket: String
    /// Always written (empty when nil).
    public var keyMarker: String?
    /// Always written (empty when nil).
    public var uploadIdMarker: String?
    /// Written when set (a truncated page).
    public var nextKeyMarker: String?
    /// Written when set (a truncated page).
    public var nextUploadIdMarker: String?
    public var delimiter: String?
    public var prefix: String?
    public var maxUploads: Int
    public var isTruncated: Bool
    public var encodingURL: Bool
    public var uploads: [Upload]
    public var commonPrefixes: [String]

    public init(
        bucket: String, keyMarker: String?, uploadIdMarker: String?, nextKeyMarker: String? = nil, nextUploadIdMarker: String? = nil,
        delimiter: String?, prefix: String?, maxUploads: Int, isTruncated: Bool, encodingURL: Bool = false, uploads: [Upload],
        commonPrefixes: [String] = []
    ) {
        self.bucket = bucket
        self.keyMarker = keyMarker
        self.uploadIdMarker = uploadIdMarker
        self.nextKeyMarker = nextKeyMarker
        self.nextUploadIdMarker = nextUploadIdMarker
        self.delimiter = delimiter
        self.prefix = prefix
        self.maxUploads = maxUploads
        self.isTruncated = isTruncated
        self.encodingURL = encodingURL
        self.uploads = uploads
        self.commonPrefixes = commonPrefixes
    }

    /// The XML body: Bucket, KeyMarker, UploadIdMarker, NextKeyMarker, NextUploadIdMarker, Delimiter,
    /// Prefix, MaxUploads, EncodingType, IsTruncated, Upload{Key, UploadId, Initiator, Owner,
    /// StorageClass, Initiated}…, CommonPrefixes…. With ``encodingURL``, Delimiter, KeyMarker, Prefix,
    /// NextKeyMarker, Key and CommonPrefixes are URL-encoded.
    public func xml() -> [UInt8] {
        let url = encodingURL
        var w = XMLWriter(capacity: 512 + uploads.count * 400)
        w.declaration()
        w.element("ListMultipartUploadsResult", xmlns: S3XMLResponses.namespace) { w in
            w.element("Bucket", bucket)
            w.element("KeyMarker", S3URLEncoding.encode(keyMarker ?? "", if: url))
            w.element("UploadIdMarker", uploadIdMarker ?? "")
            if let nextKeyMarker { w.element("NextKeyMarker", S3URLEncoding.encode(nextKeyMarker, if: url)) }
            w.optionalElement("NextUploadIdMarker", nextUploadIdMarker)
            if let delimiter, !delimiter.isEmpty { w.element("Delimiter", S3URLEncoding.encode(delimiter, if: url)) }
            w.element("Prefix", S3URLEncoding.encode(prefix ?? "", if: url))
            w.element("MaxUploads", maxUploads)
            if url { w.element("EncodingType", "url") }
            w.element("IsTruncated", isTruncated)
            for u in uploads {
                w.element("Upload") { w in
                    w.element("Key", S3URLEncoding.encode(u.key, if: url))
                    w.element("UploadId", u.uploadId)
                    if let initiator = u.initiator { S3XMLResponses.writeOwner(initiator, to: &w, element: "Initiator") }
                    if let owner = u.owner { S3XMLResponses.writeOwner(owner, to: &w) }
                    w.element("StorageClass", u.storageClass)
                    w.element("Initiated", S3Time.iso8601(u.initiated))
                }
            }
            S3XMLResponses.writeCommonPrefixes(commonPrefixes, url: url, to: &w)
        }
        return w.bytes
    }
}
