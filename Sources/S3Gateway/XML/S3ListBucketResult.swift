public import Foundation

/// One object in a listing (`<Contents>`).
public struct S3ObjectSummary: Sendable, Hashable {
    public var key: String
    public var lastModified: Date
    /// The ETag without quotes; written quoted.
    public var etag: String
    public var size: UInt64
    public var storageClass: String
    /// `ChecksumAlgorithm` and `ChecksumType` (`FULL_OBJECT` or `COMPOSITE`) of a stored checksum, if any.
    public var checksum: S3ChecksumKind? = nil
    /// Written only when set (ListObjectsV2 without `fetch-owner=true` omits it).
    public var owner: S3Owner?

    public init(key: String, lastModified: Date, etag: String, size: UInt64, storageClass: String = "STANDARD", owner: S3Owner? = nil) {
        self.key = key
        self.lastModified = lastModified
        self.etag = etag
        self.size = size
        self.storageClass = storageClass
        self.owner = owner
    }
}

/// A ListObjects (v1) or ListObjectsV2 response page: `<ListBucketResult>`.
///
/// With ``encodingURL`` the keys, prefixes, markers, start-after and delimiter are written
/// ``S3URLEncoding/encode(_:)``d and `<EncodingType>url</EncodingType>` is added.
public struct S3ListBucketResult: Sendable, Hashable {
    /// The fields that differ between the two list versions.
    public enum Version: Sendable, Hashable {
        /// v1: `Marker` (always written, empty when nil) and `NextMarker` (when set; S3 sets it only
        /// for a truncated page with a delimiter).
        case v1(marker: String?, nextMarker: String?)
        /// v2: `StartAfter`, `ContinuationToken`, `NextContinuationToken` (each when set), and `KeyCount`.
        case v2(startAfter: String?, continuationToken: String?, nextContinuationToken: String?)
    }

    public var name: String
    public var prefix: String?
    public var delimiter: String?
    public var maxKeys: Int
    public var isTruncated: Bool
    public var encodingURL: Bool
    public var version: Version
    public var contents: [S3ObjectSummary]
    /// Rolled-up prefixes, each ending with the delimiter.
    public var commonPrefixes: [String]

    public init(
        name: String, prefix: String?, delimiter: String?, maxKeys: Int, isTruncated: Bool, encodingURL: Bool = false,
        version: Version, contents: [S3ObjectSummary], commonPrefixes: [String] = []
    ) {
        self.name = name
        self.prefix = prefix
        self.delimiter = delimiter
        self.maxKeys = maxKeys
        self.isTruncated = isTruncated
        self.encodingURL = encodingURL
        self.version = version
        self.contents = contents
        self.commonPrefixes = commonPrefixes
    }

    /// `KeyCount` of a v2 page: objects plus common prefixes.
    public var keyCount: Int { contents.count + commonPrefixes.count }

    /// The XML body. Element order: Name, Prefix, (v1) Marker, NextMarker / (v2) StartAfter,
    /// ContinuationToken, NextContinuationToken, KeyCount; MaxKeys, Delimiter, EncodingType,
    /// IsTruncated, Contents…, CommonPrefixes….
    public func xml() -> [UInt8] {
        let url = encodingURL
        var w = XMLWriter(capacity: 512 + contents.count * 320 + commonPrefixes.count * 80)
        w.declaration()
        w.element("ListBucketResult", xmlns: S3XMLResponses.namespace) { w in
            w.element("Name", name)
            w.element("Prefix", S3URLEncoding.encode(prefix ?? "", if: url))
            switch version {
            case .v1(let marker, let nextMarker):
                w.element("Marker", S3URLEncoding.encode(marker ?? "", if: url))
                if let nextMarker { w.element("NextMarker", S3URLEncoding.encode(nextMarker, if: url)) }
            case .v2(let startAfter, let token, let nextToken):
                if let startAfter { w.element("StartAfter", S3URLEncoding.encode(startAfter, if: url)) }
                w.optionalElement("ContinuationToken", token)
                w.optionalElement("NextContinuationToken", nextToken)
                w.element("KeyCount", keyCount)
            }
            w.element("MaxKeys", maxKeys)
            if let delimiter, !delimiter.isEmpty { w.element("Delimiter", S3URLEncoding.encode(delimiter, if: url)) }
            if url { w.element("EncodingType", "url") }
            w.element("IsTruncated", isTruncated)
            for o in contents {
                w.element("Contents") { w in
                    w.element("Key", S3URLEncoding.encode(o.key, if: url))
                    w.element("LastModified", S3Time.iso8601(o.lastModified))
                    w.element("ETag", S3XMLResponses.quotedETag(o.etag))
                    if let c = o.checksum {
                        w.element("ChecksumAlgorithm", c.algorithm)
                        w.element("ChecksumType", c.type)
                    }
                    w.element("Size", o.size)
                    if let owner = o.owner { S3XMLResponses.writeOwner(owner, to: &w) }
                    w.element("StorageClass", o.storageClass)
                }
            }
            S3XMLResponses.writeCommonPrefixes(commonPrefixes, url: url, to: &w)
        }
        return w.bytes
    }
}
