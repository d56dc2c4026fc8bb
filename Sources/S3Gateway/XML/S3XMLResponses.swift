public import Foundation

/// The owner shown in listings (`<Owner><ID/><DisplayName/></Owner>`).
public struct S3Owner: Sendable, Hashable {
    public var id: String
    public var displayName: String?

    public init(id: String, displayName: String? = nil) {
        self.id = id
        self.displayName = displayName
    }
}

/// One bucket in ListAllMyBucketsResult.
public struct S3BucketSummary: Sendable, Hashable {
    public var name: String
    public var creationDate: Date

    public init(name: String, creationDate: Date) {
        self.name = name
        self.creationDate = creationDate
    }
}

/// The kind of checksum an object has, as listings report it.
public struct S3ChecksumKind: Sendable, Hashable {
    /// `CRC32`, `CRC32C`, `CRC64NVME`, `SHA1` or `SHA256`.
    public var algorithm: String
    /// `FULL_OBJECT` or `COMPOSITE`.
    public var type: String

    public init(algorithm: String, type: String) {
        self.algorithm = algorithm
        self.type = type
    }
}

/// A checksum reported in an XML body as `<Checksum{algorithm}>value</…>`.
public struct S3Checksum: Sendable, Hashable {
    /// `CRC32`, `CRC32C`, `CRC64NVME`, `SHA1` or `SHA256`.
    public var algorithm: String
    /// The base64 value.
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }
}

/// Builders of the small S3 XML response bodies. The listings are built by their own types
/// (``S3ListBucketResult``, ``S3ListVersionsResult``, ``S3DeleteResult``, ``S3ListPartsResult``,
/// ``S3ListMultipartUploadsResult``).
///
/// ETags are given without quotes (as PFS stores them) and written quoted.
public enum S3XMLResponses {
    /// The S3 XML namespace.
    public static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// `"etag"`: the ETag in quotes, unless it already has them.
    public static func quotedETag(_ etag: String) -> String {
        etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? etag : "\"" + etag + "\""
    }

    /// ListAllMyBucketsResult: Owner, Buckets/Bucket{Name, CreationDate, BucketRegion}, then the ContinuationToken of a
    /// truncated page and the Prefix asked for.
    public static func listAllMyBuckets(
        owner: S3Owner, buckets: [S3BucketSummary], region: String, continuationToken: String? = nil, prefix: String? = nil
    ) -> [UInt8] {
        var w = XMLWriter(capacity: 256 + buckets.count * 160)
        w.declaration()
        w.element("ListAllMyBucketsResult", xmlns: namespace) { w in
            writeOwner(owner, to: &w)
            w.element("Buckets") { w in
                for b in buckets {
                    w.element("Bucket") { w in
                        w.element("Name", b.name)
                        w.element("CreationDate", S3Time.iso8601(b.creationDate))
                        w.element("BucketRegion", region)
                    }
                }
            }
            w.optionalElement("ContinuationToken", continuationToken)
            w.optionalElement("Prefix", prefix)
        }
        return w.bytes
    }

    /// CopyObjectResult: LastModified, ETag, then the checksum and its type when the copy has one.
    public static func copyObjectResult(lastModified: Date, etag: String, checksums: [S3Checksum] = [], checksumType: String? = nil) -> [UInt8] {
        copyResult("CopyObjectResult", lastModified: lastModified, etag: etag, checksums: checksums, checksumType: checksumType)
    }

    /// CopyPartResult: LastModified, ETag, then any checksums.
    public static func copyPartResult(lastModified: Date, etag: String, checksums: [S3Checksum] = []) -> [UInt8] {
        copyResult("CopyPartResult", lastModified: lastModified, etag: etag, checksums: checksums)
    }

    /// VersioningConfiguration with `<Status>` when `status` is given (`Enabled`, `Suspended`);
    /// an empty configuration for a bucket that never had versioning.
    public static func versioningConfiguration(status: String?) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("VersioningConfiguration", xmlns: namespace) { w in
            w.optionalElement("Status", status)
        }
        return w.bytes
    }

    /// LocationConstraint: the region, empty for us-east-1 (or nil) as S3 answers.
    public static func locationConstraint(_ region: String?) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.open("LocationConstraint", xmlns: namespace)
        if let region, region != "us-east-1" { w.text(region) }
        w.close("LocationConstraint")
        return w.bytes
    }

    /// InitiateMultipartUploadResult: Bucket, Key, UploadId.
    public static func initiateMultipartUploadResult(bucket: String, key: String, uploadId: String) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("InitiateMultipartUploadResult", xmlns: namespace) { w in
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("UploadId", uploadId)
        }
        return w.bytes
    }

    /// The attributes GetObjectAttributes can return; nil ones are left out.
    public struct ObjectAttributes: Sendable {
        /// Unquoted, as S3 writes it here.
        public var etag: String?
        public var checksum: (value: S3Checksum, type: String)?
        public var parts: Parts?
        public var storageClass: String?
        public var objectSize: UInt64?

        public init() {}

        /// ObjectParts: the count, and a page of the parts when they have checksums.
        public struct Parts: Sendable {
            public var count: Int
            public var marker: Int
            public var maxParts: Int
            public var parts: [(number: Int, size: UInt64, checksum: S3Checksum)] = []
            public var isTruncated = false
            public var nextMarker: Int?

            public init(count: Int, marker: Int, maxParts: Int) {
                self.count = count
                self.marker = marker
                self.maxParts = maxParts
            }
        }
    }

    /// GetObjectAttributesResponse: ETag, Checksum, ObjectParts{PartsCount, and with part checksums
    /// PartNumberMarker, NextPartNumberMarker, MaxParts, IsTruncated, Part…}, StorageClass, ObjectSize.
    public static func getObjectAttributesResponse(_ a: ObjectAttributes) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("GetObjectAttributesResponse", xmlns: namespace) { w in
            if let etag = a.etag { w.element("ETag", etag) }
            if let (value, type) = a.checksum {
                w.element("Checksum") { w in
                    writeChecksums([value], to: &w)
                    w.element("ChecksumType", type)
                }
            }
            if let p = a.parts {
                w.element("ObjectParts") { w in
                    w.element("PartsCount", p.count)
                    if !p.parts.isEmpty {
                        w.element("PartNumberMarker", p.marker)
                        if let next = p.nextMarker { w.element("NextPartNumberMarker", next) }
                        w.element("MaxParts", p.maxParts)
                        w.element("IsTruncated", p.isTruncated)
                        for part in p.parts {
                            w.element("Part") { w in
                                w.element("PartNumber", part.number)
                                w.element("Size", part.size)
                                writeChecksums([part.checksum], to: &w)
                            }
                        }
                    }
                }
            }
            if let s = a.storageClass { w.element("StorageClass", s) }
            if let size = a.objectSize { w.element("ObjectSize", size) }
        }
        return w.bytes
    }

    /// CompleteMultipartUploadResult: Location, Bucket, Key, ETag, then any checksums and their ChecksumType.
    public static func completeMultipartUploadResult(
        location: String, bucket: String, key: String, etag: String, checksums: [S3Checksum] = [], checksumType: String? = nil
    ) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("CompleteMultipartUploadResult", xmlns: namespace) { w in
            w.element("Location", location)
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("ETag", quotedETag(etag))
            writeChecksums(checksums, to: &w)
            if let checksumType { w.element("ChecksumType", checksumType) }
        }
        return w.bytes
    }

    /// The `<Error>` body (no namespace, as S3 sends it): Code, Message, the error's extra fields,
    /// Resource, RequestId, HostId.
    public static func error(_ error: S3Error, requestId: String, hostId: String? = nil) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("Error") { w in
            w.element("Code", error.code)
            w.element("Message", error.message)
            for f in error.fields { w.element(f.name, f.value) }
            w.optionalElement("Resource", error.resource)
            w.element("RequestId", requestId)
            w.optionalElement("HostId", hostId)
        }
        return w.bytes
    }

    // MARK: - Shared pieces

    static func copyResult(_ name: String, lastModified: Date, etag: String, checksums: [S3Checksum], checksumType: String? = nil) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element(name, xmlns: namespace) { w in
            w.element("LastModified", S3Time.iso8601(lastModified))
            w.element("ETag", quotedETag(etag))
            w.optionalElement("ChecksumType", checksumType)
            writeChecksums(checksums, to: &w)
        }
        return w.bytes
    }

    /// AccessControlPolicy: the owner, holding full control, and no other grant.
    public static func accessControlPolicy(owner: S3Owner) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("AccessControlPolicy", xmlns: namespace) { w in
            writeOwner(owner, to: &w)
            w.element("AccessControlList") { w in
                w.element("Grant") { w in
                    let type = [(name: "xmlns:xsi", value: "http://www.w3.org/2001/XMLSchema-instance"), (name: "xsi:type", value: "CanonicalUser")]
                    w.element("Grantee", attributes: type) { w in
                        w.element("ID", owner.id)
                        w.optionalElement("DisplayName", owner.displayName)
                    }
                    w.element("Permission", "FULL_CONTROL")
                }
            }
        }
        return w.bytes
    }

    /// PostResponse: where a POST upload (answered 201) stored the object.
    public static func postResponse(location: String, bucket: String, key: String, etag: String) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("PostResponse") { w in
            w.element("Location", location)
            w.element("Bucket", bucket)
            w.element("Key", key)
            w.element("ETag", quotedETag(etag))
        }
        return w.bytes
    }

    /// Tagging with an empty TagSet.
    public static func emptyTagging() -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("Tagging", xmlns: namespace) { w in w.element("TagSet") { _ in } }
        return w.bytes
    }

    /// OwnershipControls with one rule.
    public static func ownershipControls(_ ownership: String) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("OwnershipControls", xmlns: namespace) { w in
            w.element("Rule") { w in w.element("ObjectOwnership", ownership) }
        }
        return w.bytes
    }

    /// RequestPaymentConfiguration naming who pays.
    public static func requestPaymentConfiguration(payer: String) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element("RequestPaymentConfiguration", xmlns: namespace) { w in w.element("Payer", payer) }
        return w.bytes
    }

    /// A configuration document with nothing set (`<BucketLoggingStatus xmlns="…"></BucketLoggingStatus>`: logging off).
    public static func emptyConfiguration(_ root: String) -> [UInt8] {
        var w = XMLWriter()
        w.declaration()
        w.element(root, xmlns: namespace) { _ in }
        return w.bytes
    }

    static func writeOwner(_ owner: S3Owner, to w: inout XMLWriter, element: String = "Owner") {
        w.element(element) { w in
            w.element("ID", owner.id)
            w.optionalElement("DisplayName", owner.displayName)
        }
    }

    static func writeChecksums(_ checksums: [S3Checksum], to w: inout XMLWriter) {
        for c in checksums { w.element("Checksum" + c.algorithm, c.value) }
    }

    static func writeCommonPrefixes(_ prefixes: [String], url: Bool, to w: inout XMLWriter) {
        for p in prefixes {
            w.element("CommonPrefixes") { w in w.element("Prefix", S3URLEncoding.encode(p, if: url)) }
        }
    }
}
