/// An S3 API call, as ``S3RequestParser`` recognizes it from the method, path, query and headers.
public enum S3Operation: Sendable, Hashable {
    case listBuckets(ListBucketsParameters)
    case createBucket(bucket: String)
    case deleteBucket(bucket: String)
    case headBucket(bucket: String)
    case getBucketLocation(bucket: String)
    case getBucketVersioning(bucket: String)
    case putBucketVersioning(bucket: String)
    case listObjectsV1(bucket: String, ListObjectsParameters)
    case listObjectsV2(bucket: String, ListObjectsParameters)
    case listObjectVersions(bucket: String, ListVersionsParameters)
    case getObject(bucket: String, key: String, GetObjectParameters)
    case headObject(bucket: String, key: String, GetObjectParameters)
    /// GET `?attributes` on an object (which attributes: the `x-amz-object-attributes` header).
    case getObjectAttributes(bucket: String, key: String, versionId: String?)
    case putObject(bucket: String, key: String)
    case copyObject(bucket: String, key: String, source: S3CopySource)
    case deleteObject(bucket: String, key: String, versionId: String?)
    /// POST `?delete`.
    case deleteObjects(bucket: String)
    /// POST to a bucket without a subresource: an upload from an HTML form, authenticated by its own fields.
    case postObject(bucket: String)
    /// POST `?uploads`.
    case createMultipartUpload(bucket: String, key: String)
    /// PUT `?partNumber&uploadId`.
    case uploadPart(bucket: String, key: String, uploadId: String, partNumber: Int)
    /// PUT `?partNumber&uploadId` with `x-amz-copy-source` (and maybe `x-amz-copy-source-range`).
    case uploadPartCopy(bucket: String, key: String, uploadId: String, partNumber: Int, source: S3CopySource)
    /// POST `?uploadId`.
    case completeMultipartUpload(bucket: String, key: String, uploadId: String)
    /// DELETE `?uploadId`.
    case abortMultipartUpload(bucket: String, key: String, uploadId: String)
    /// GET `?uploadId` on an object.
    case listParts(bucket: String, key: String, uploadId: String, ListPartsParameters)
    /// GET `?uploads` on a bucket.
    case listMultipartUploads(bucket: String, ListUploadsParameters)
    /// GET on a bucket configuration pachs3 never has (`?cors`, `?policy`…): S3's answer for a bucket without it.
    case getBucketConfiguration(bucket: String, S3BucketConfiguration)
    /// DELETE of a bucket configuration pachs3 never has: the no-op it is on S3 for a bucket without it.
    case deleteBucketConfiguration(bucket: String, S3BucketConfiguration)
    /// PUT `?acl` on a bucket (nil key) or object with a canned ACL granting only the owner's access, which is what
    /// pachs3 grants anyway.
    case putACL(bucket: String, key: String?, versionId: String?)
    /// GET `?acl` on an object: the owner's full control.
    case getObjectACL(bucket: String, key: String, versionId: String?)
    /// GET `?tagging` on an object: no tags (pachs3 stores none).
    case getObjectTagging(bucket: String, key: String, versionId: String?)
    /// DELETE `?tagging` on an object: a no-op, there are none.
    case deleteObjectTagging(bucket: String, key: String, versionId: String?)
    /// A call S3 has but pachs3 does not serve (`PUT ?cors`, `PUT ?tagging`…): answer NotImplemented.
    case notImplemented(String)
    /// A method the resource does not support: answer MethodNotAllowed. `resourceType` is `SERVICE`,
    /// `BUCKET` or `OBJECT`.
    case methodNotAllowed(method: String, resourceType: String)

    /// Query parameters of ListObjects (v1) and ListObjectsV2.
    public struct ListBucketsParameters: Sendable, Hashable {
        /// `prefix`: only buckets whose names start with it; nil when absent or empty.
        public var prefix: String?
        /// `max-buckets` (1...10,000); nil: every bucket in one response.
        public var maxBuckets: Int?
        /// `continuation-token` (as sent; the handler validates it).
        public var continuationToken: String?
        /// `bucket-region`: only buckets in that region.
        public var bucketRegion: String?

        public init(prefix: String? = nil, maxBuckets: Int? = nil, continuationToken: String? = nil, bucketRegion: String? = nil) {
            self.prefix = prefix
            self.maxBuckets = maxBuckets
            self.continuationToken = continuationToken
            self.bucketRegion = bucketRegion
        }
    }

    public struct ListObjectsParameters: Sendable, Hashable {
        /// `prefix`, "" when absent.
        public var prefix: String
        /// `delimiter`; nil when absent or empty (S3 then neither groups nor echoes it).
        public var delimiter: String?
        /// `max-keys`: 1000 when absent, capped at 1000.
        public var maxKeys: Int
        /// `encoding-type=url`.
        public var encodingURL: Bool
        /// v1 `marker`.
        public var marker: String?
        /// v2 `continuation-token` (as sent; the handler validates it).
        public var continuationToken: String?
        /// v2 `start-after`.
        public var startAfter: String?
        /// v2 `fetch-owner=true` (v1 always lists owners).
        public var fetchOwner: Bool

        public init(
            prefix: String = "", delimiter: String? = nil, maxKeys: Int = 1000, encodingURL: Bool = false, marker: String? = nil,
            continuationToken: String? = nil, startAfter: String? = nil, fetchOwner: Bool = false
        ) {
            self.prefix = prefix
            self.delimiter = delimiter
            self.maxKeys = maxKeys
            self.encodingURL = encodingURL
            self.marker = marker
            self.continuationToken = continuationToken
            self.startAfter = startAfter
            self.fetchOwner = fetchOwner
        }
    }

    /// Query parameters of ListObjectVersions.
    public struct ListVersionsParameters: Sendable, Hashable {
        public var prefix: String
        public var delimiter: String?
        /// `max-keys`: 1000 when absent, capped at 1000.
        public var maxKeys: Int
        public var encodingURL: Bool
        public var keyMarker: String?
        public var versionIdMarker: String?

        public init(prefix: String = "", delimiter: String? = nil, maxKeys: Int = 1000, encodingURL: Bool = false, keyMarker: String? = nil, versionIdMarker: String? = nil) {
            self.prefix = prefix
            self.delimiter = delimiter
            self.maxKeys = maxKeys
            self.encodingURL = encodingURL
            self.keyMarker = keyMarker
            self.versionIdMarker = versionIdMarker
        }
    }

    /// Query parameters of ListMultipartUploads.
    public struct ListUploadsParameters: Sendable, Hashable {
        public var prefix: String
        public var delimiter: String?
        /// `max-uploads`: 1000 when absent, capped at 1000.
        public var maxUploads: Int
        public var encodingURL: Bool
        public var keyMarker: String?
        public var uploadIdMarker: String?

        public init(prefix: String = "", delimiter: String? = nil, maxUploads: Int = 1000, encodingURL: Bool = false, keyMarker: String? = nil, uploadIdMarker: String? = nil) {
            self.prefix = prefix
            self.delimiter = delimiter
            self.maxUploads = maxUploads
            self.encodingURL = encodingURL
            self.keyMarker = keyMarker
            self.uploadIdMarker = uploadIdMarker
        }
    }

    /// Query parameters of ListParts.
    public struct ListPartsParameters: Sendable, Hashable {
        /// `max-parts`: 1000 when absent, capped at 1000.
        public var maxParts: Int
        /// `part-number-marker`: 0 when absent.
        public var partNumberMarker: Int

        public init(maxParts: Int = 1000, partNumberMarker: Int = 0) {
            self.maxParts = maxParts
            self.partNumberMarker = partNumberMarker
        }
    }

    /// Query parameters of GetObject and HeadObject.
    public struct GetObjectParameters: Sendable, Hashable {
        /// `versionId` (non-empty; the handler checks it names a commit).
        public var versionId: String?
        /// `partNumber`, 1…10000.
        public var partNumber: Int?
        /// The `response-*` overrides.
        public var overrides: ResponseOverrides

        public init(versionId: String? = nil, partNumber: Int? = nil, overrides: ResponseOverrides = ResponseOverrides()) {
            self.versionId = versionId
            self.partNumber = partNumber
            self.overrides = overrides
        }
    }

    /// The `response-*` query parameters of GetObject, which replace response headers.
    public struct ResponseOverrides: Sendable, Hashable {
        public var contentType: String?
        public var contentLanguage: String?
        public var expires: String?
        public var cacheControl: String?
        public var contentDisposition: String?
        public var contentEncoding: String?

        public init(
            contentType: String? = nil, contentLanguage: String? = nil, expires: String? = nil, cacheControl: String? = nil,
            contentDisposition: String? = nil, contentEncoding: String? = nil
        ) {
            self.contentType = contentType
            self.contentLanguage = contentLanguage
            self.expires = expires
            self.cacheControl = cacheControl
            self.contentDisposition = contentDisposition
            self.contentEncoding = contentEncoding
        }

        /// The overriding headers with their HTTP names (`Content-Type`…), in a fixed order.
        public var headers: [(name: String, value: String)] {
            var out: [(name: String, value: String)] = []
            if let contentType { out.append(("Content-Type", contentType)) }
            if let contentLanguage { out.append(("Content-Language", contentLanguage)) }
            if let expires { out.append(("Expires", expires)) }
            if let cacheControl { out.append(("Cache-Control", cacheControl)) }
            if let contentDisposition { out.append(("Content-Disposition", contentDisposition)) }
            if let contentEncoding { out.append(("Content-Encoding", contentEncoding)) }
            return out
        }

        public var isEmpty: Bool { headers.isEmpty }
    }
}

extension S3Operation {
    /// The bucket the call addresses; nil for ListBuckets and the refusals.
    public var bucket: String? {
        switch self {
        case .createBucket(let b), .deleteBucket(let b), .headBucket(let b), .getBucketLocation(let b), .getBucketVersioning(let b),
             .putBucketVersioning(let b), .listObjectsV1(let b, _), .listObjectsV2(let b, _), .listObjectVersions(let b, _),
             .deleteObjects(let b), .postObject(let b), .listMultipartUploads(let b, _), .getBucketConfiguration(let b, _), .deleteBucketConfiguration(let b, _),
             .putACL(let b, _, _):
            return b
        case .getObject(let b, _, _), .headObject(let b, _, _), .getObjectAttributes(let b, _, _), .putObject(let b, _), .copyObject(let b, _, _), .deleteObject(let b, _, _),
             .createMultipartUpload(let b, _), .uploadPart(let b, _, _, _), .uploadPartCopy(let b, _, _, _, _),
             .completeMultipartUpload(let b, _, _), .abortMultipartUpload(let b, _, _), .listParts(let b, _, _, _),
             .getObjectACL(let b, _, _), .getObjectTagging(let b, _, _), .deleteObjectTagging(let b, _, _):
            return b
        case .listBuckets, .notImplemented, .methodNotAllowed:
            return nil
        }
    }

    /// The object key the call addresses; nil for service and bucket calls.
    public var key: String? {
        switch self {
        case .getObject(_, let k, _), .headObject(_, let k, _), .getObjectAttributes(_, let k, _), .putObject(_, let k), .copyObject(_, let k, _), .deleteObject(_, let k, _),
             .createMultipartUpload(_, let k), .uploadPart(_, let k, _, _), .uploadPartCopy(_, let k, _, _, _),
             .completeMultipartUpload(_, let k, _), .abortMultipartUpload(_, let k, _), .listParts(_, let k, _, _),
             .getObjectACL(_, let k, _), .getObjectTagging(_, let k, _), .deleteObjectTagging(_, let k, _):
            return k
        case .putACL(_, let k, _):
            return k
        default:
            return nil
        }
    }

    /// Whether the call changes state (refused on a read-only, commit-pinned bucket).
    public var isWrite: Bool {
        switch self {
        case .createBucket, .deleteBucket, .putBucketVersioning, .putObject, .copyObject, .deleteObject, .deleteObjects, .postObject,
             .createMultipartUpload, .uploadPart, .uploadPartCopy, .completeMultipartUpload, .abortMultipartUpload,
             .deleteBucketConfiguration, .putACL, .deleteObjectTagging:
            return true
        default:
            return false
        }
    }

    /// Whether the call is a POST (form) upload, whose credentials are in its body.
    public var isFormUpload: Bool {
        if case .postObject = self { return true }
        return false
    }

    /// The S3 API name (`GetObject`, `ListObjectsV2`…) for logs and metrics.
    public var name: String {
        switch self {
        case .listBuckets: return "ListBuckets"
        case .createBucket: return "CreateBucket"
        case .deleteBucket: return "DeleteBucket"
        case .headBucket: return "HeadBucket"
        case .getBucketLocation: return "GetBucketLocation"
        case .getBucketVersioning: return "GetBucketVersioning"
        case .putBucketVersioning: return "PutBucketVersioning"
        case .listObjectsV1: return "ListObjects"
        case .listObjectsV2: return "ListObjectsV2"
        case .listObjectVersions: return "ListObjectVersions"
        case .getObject: return "GetObject"
        case .headObject: return "HeadObject"
        case .getObjectAttributes: return "GetObjectAttributes"
        case .putObject: return "PutObject"
        case .copyObject: return "CopyObject"
        case .deleteObject: return "DeleteObject"
        case .deleteObjects: return "DeleteObjects"
        case .postObject: return "PostObject"
        case .createMultipartUpload: return "CreateMultipartUpload"
        case .uploadPart: return "UploadPart"
        case .uploadPartCopy: return "UploadPartCopy"
        case .completeMultipartUpload: return "CompleteMultipartUpload"
        case .abortMultipartUpload: return "AbortMultipartUpload"
        case .listParts: return "ListParts"
        case .listMultipartUploads: return "ListMultipartUploads"
        case .getBucketConfiguration(_, let c): return c.getName
        case .deleteBucketConfiguration(_, let c): return c.deleteName ?? "Delete" + c.getName.dropFirst(3)
        case .putACL(_, let k, _): return k == nil ? "PutBucketAcl" : "PutObjectAcl"
        case .getObjectACL: return "GetObjectAcl"
        case .getObjectTagging: return "GetObjectTagging"
        case .deleteObjectTagging: return "DeleteObjectTagging"
        case .notImplemented: return "NotImplemented"
        case .methodNotAllowed: return "MethodNotAllowed"
        }
    }

    /// The error to answer for ``notImplemented(_:)`` and ``methodNotAllowed(method:resourceType:)``;
    /// nil for the calls pachs3 serves.
    public var refusal: S3Error? {
        switch self {
        case .notImplemented(let what): return .notImplemented(what)
        case .methodNotAllowed(let method, let type): return .methodNotAllowed(method: method, resourceType: type)
        default: return nil
        }
    }
}
