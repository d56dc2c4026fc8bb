public import Foundation

/// One object version in ListVersionsResult (`<Version>`).
public struct S3ObjectVersion: Sendable, Hashable {
    public var key: String
    public var versionId: String
    public var isLatest: Bool
    public var lastModified: Date
    /// The ETag without quotes; written quoted.
    public var etag: String
    public var size: UInt64
    public var storageClass: String
    /// `ChecksumAlgorithm` and `ChecksumType` (`FULL_OBJECT` or `COMPOSITE`) of a stored checksum, if any.
    public var checksum: S3ChecksumKind? = nil
    public var owner: S3Owner?

    public init(
        key: String, versionId: String, isLatest: Bool, lastModified: Date, etag: String, size: UInt64, storageClass: String = "STANDARD",
        owner: S3Owner? = nil, checksum: S3ChecksumKind? = nil
    ) {
        self.checksum = checksum
        self.key = key
        self.versionId = versionId
        self.isLatest = isLatest
        self.lastModified = lastModified
        self.etag = etag
        self.size = size
        self.storageClass = storageClass
        self.owner = owner
    }
}

/// One delete marker in ListVersionsResult (`<DeleteMarker>`).
public struct S3DeleteMarkerEntry: Sendable, Hashable {
    public var key: String
    public var versionId: String
    public var isLatest: Bool
    public var lastModified: Date
    public var owner: S3Owner?

    public init(key: String, versionId: String, isLatest: Bool, lastModified: Date, owner: S3Owner? = nil) {
        self.key = key
        self.versionId = versionId
        self.isLatest = isLatest
        self.lastModified = lastModified
        self.owner = owner
    }
}

/// A ListObjectVersions response page: `<ListVersionsResult>`.
public struct S3ListVersionsResult: Sendable, Hashable {
    /// A version or a delete marker; S3 interleaves them in key order, newest first within a key.
    public enum Entry: Sendable, Hashable {
        case version(S3ObjectVersion)
        case deleteMarker(S3DeleteMarkerEntry)
    }

    public var name: String
    public var prefix: String?
    /// The request's `key-marker`; always written (empty when nil).
    public var keyMarker: String?
    /// The request's `version-id-marker`; always written (empty when nil).
    public var versionIdMarker: String?
    /// Written when set (a truncated page).
    public var nextKeyMarker: String?
    /// Written when set (a truncated page).
    public var nextVersionIdMarker: String?
    public var maxKeys: Int
    public var delimiter: String?
    public var isTruncated: Bool
    public var encodingURL: Bool
    /// Written in the given order.
    public var entries: [Entry]
    public var commonPrefixes: [String]

    public init(
        name: String, prefix: String?, keyMarker: String?, versionIdMarker: String?, nextKeyMarker: String? = nil,
        nextVersionIdMarker: String? = nil, maxKeys: Int, delimiter: String?, isTruncated: Bool, encodingURL: Bool = false,
        entries: [Entry], commonPrefixes: [String] = []
    ) {
        self.name = name
        self.prefix = prefix
        self.keyMarker = keyMarker
        self.versionIdMarker = versionIdMarker
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionIdMarker = nextVersionIdMarker
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.isTruncated = isTruncated
        self.encodingURL = encodingURL
        self.entries = entries
        self.commonPrefixes = commonPrefixes
    }

    /// The XML body. Element order: Name, Prefix, KeyMarker, VersionIdMarker, NextKeyMarker,
    /// NextVersionIdMarker, MaxKeys, Delimiter, EncodingType, IsTruncated, Version/DeleteMarker…,
    /// CommonPrefixes…. With ``encodingURL``, Prefix, KeyMarker, NextKeyMarker, Delimiter, Key and
    /// CommonPrefixes are URL-encoded.
    public func xml() -> [UInt8] {
        let url = encodingURL
        var w = XMLWriter(capacity: 512 + entries.count * 400 + commonPrefixes.count * 80)
        w.declaration()
        w.element("ListVersionsResult", xmlns: S3XMLResponses.namespace) { w in
            w.element("Name", name)
            w.element("Prefix", S3URLEncoding.encode(prefix ?? "", if: url))
            w.element("KeyMarker", S3URLEncoding.encode(keyMarker ?? "", if: url))
            w.element("VersionIdMarker", versionIdMarker ?? "")
            if let nextKeyMarker { w.element("NextKeyMarker", S3URLEncoding.encode(nextKeyMarker, if: url)) }
            w.optionalElement("NextVersionIdMarker", nextVersionIdMarker)
            w.element("MaxKeys", maxKeys)
            if let delimiter, !delimiter.isEmpty { w.element("Delimiter", S3URLEncoding.encode(delimiter, if: url)) }
            if url { w.element("EncodingType", "url") }
            w.element("IsTruncated", isTruncated)
            for entry in entries {
                switch entry {
                case .version(let v):
                    w.element("Version") { w in
                        w.element("Key", S3URLEncoding.encode(v.key, if: url))
                        w.element("VersionId", v.versionId)
                        w.element("IsLatest", v.isLatest)
                        w.element("LastModified", S3Time.iso8601(v.lastModified))
                        w.element("ETag", S3XMLResponses.quotedETag(v.etag))
                        if let c = v.checksum {
                            w.element("ChecksumAlgorithm", c.algorithm)
                            w.element("ChecksumType", c.type)
                        }
                        w.element("Size", v.size)
                        w.element("StorageClass", v.storageClass)
                        if let owner = v.owner { S3XMLResponses.writeOwner(owner, to: &w) }
                    }
                case .deleteMarker(let d):
                    w.element("DeleteMarker") { w in
                        w.element("Key", S3URLEncoding.encode(d.key, if: url))
                        w.element("VersionId", d.versionId)
                        w.element("IsLatest", d.isLatest)
                        w.element("LastModified", S3Time.iso8601(d.lastModified))
                        if let owner = d.owner { S3XMLResponses.writeOwner(owner, to: &w) }
                    }
                }
            }
            S3XMLResponses.writeCommonPrefixes(commonPrefixes, url: url, to: &w)
        }
        return w.bytes
    }
}
