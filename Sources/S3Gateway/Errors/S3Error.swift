public import PFS

/// An S3 error response: the `Code`, HTTP status and `Message` S3 would send, plus the extra body
/// elements and headers some codes carry.
///
/// Build one with a static constructor (`.noSuchKey(key)`), or from a ``PFSError`` with
/// ``init(_:bucket:key:versionId:uploadId:notFound:)``. The body is rendered by ``xmlBody(requestId:hostId:)``.
public struct S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// One extra body element (`<Key>…</Key>`) or one extra response header.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The S3 error code (`NoSuchKey`).
    public var code: String
    /// The HTTP status.
    public var status: Int
    /// The human-readable message.
    public var message: String
    /// The `<Resource>` element: usually the request path (`/bucket/key`); set by the server.
    public var resource: String?
    /// Extra body elements written after `Message`, in order (`Key`, `BucketName`, `Condition`…).
    public var fields: [Field]
    /// Extra response headers (`Content-Range: bytes */size` for ``invalidRange(size:requested:)``).
    public var headers: [Field]
    /// What went wrong behind a 500, for the server's log; never sent to the client.
    public var cause: String?

    public init(code: String, status: Int, message: String, resource: String? = nil, fields: [Field] = [], headers: [Field] = []) {
        self.code = code
        self.status = status
        self.message = message
        self.resource = resource
        self.fields = fields
        self.headers = headers
    }

    /// Whether the response has an XML body: not for 304 Not Modified. (HEAD responses have none
    /// either; that is the server's business.)
    public var hasBody: Bool { status != 304 }

    public var description: String { "\(code) (\(status)): \(message)" }

    /// A copy with `resource` set.
    public func with(resource: String?) -> S3Error {
        var e = self
        e.resource = resource
        return e
    }

    /// A copy with one more body element.
    public func adding(_ name: String, _ value: String) -> S3Error {
        var e = self
        e.fields.append(Field(name, value))
        return e
    }

    /// The XML `<Error>` body: Code, Message, the extra fields, Resource, RequestId, HostId.
    public func xmlBody(requestId: String, hostId: String? = nil) -> [UInt8] {
        S3XMLResponses.error(self, requestId: requestId, hostId: hostId)
    }

    /// The value of the body element `name`, if any.
    public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
}

// MARK: - Mapping PFS errors

extension S3Error {
    /// What a PFS `notFound` means for the request at hand.
    public enum NotFoundMeaning: Sendable, Hashable {
        case bucket, key, version, upload
    }

    /// Maps a PFS error to the S3 error a client expects for the named bucket and key.
    ///
    /// - `notFound` → `notFound` if given; else `NoSuchKey` when `key` is set, `NoSuchBucket` otherwise.
    /// - `alreadyExists` → `BucketAlreadyOwnedByYou` without a key (pachs3 has one owner); with a key,
    ///   `PreconditionFailed` (what S3 answers a create-only write of an existing key).
    /// - `invalidArgument` → `InvalidArgument`.
    /// - `failedPrecondition` → 409 `OperationAborted` with the PFS message (a concurrent change, an
    ///   open or finished commit…: the client may retry).
    /// - `preconditionFailed` (a conditional put lost) → 412 `PreconditionFailed`. (`If-Match` on a missing
    ///   key is `notFound` from PFS, hence `NoSuchKey` as S3 answers.)
    /// - `badDigest` (the body's MD5 is not Content-MD5) → `BadDigest`.
    /// - `unavailable` (the server behind a gateway is away) → 503 `ServiceUnavailable`, which clients retry.
    /// - `storageFull` → 507 `XPachs3StorageFull` (as MinIO answers a full disk: not a 5xx that clients retry).
    /// - `corrupt`, `io` → 500 `InternalError`, keeping the PFS message out of the body.
    public init(
        _ error: PFSError, bucket: String? = nil, key: String? = nil, versionId: String? = nil, uploadId: String? = nil,
        notFound: NotFoundMeaning? = nil
    ) {
        switch error {
        case .notFound:
            switch notFound ?? (key != nil ? .key : .bucket) {
            case .bucket: self = .noSuchBucket(bucket ?? "")
            case .key: self = .noSuchKey(key ?? "")
            case .version: self = .noSuchVersion(key: key ?? "", versionId: versionId ?? "")
            case .upload: self = .noSuchUpload(uploadId ?? "")
            }
        case .alreadyExists:
            self = key == nil ? .bucketAlreadyOwnedByYou(bucket ?? "") : .preconditionFailed(condition: "If-None-Match")
        case .invalidArgument(let m):
            self = .invalidArgument(m)
        case .failedPrecondition(let m):
            self = .operationAborted(m)
        case .preconditionFailed:
            self = .preconditionFailed()
        case .badDigest:
            self = .badDigest()
        case .storageFull:
            self = .storageFull()
            cause = "\(error)"
        case .unavailable:
            self = .serverUnreachable()
            cause = "\(error)"
        case .corrupt, .io:
            self = .internalError()
            cause = "\(error)"
        }
    }
}

// MARK: - Codes

extension S3Error {
    /// 404 NoSuchBucket.
    public static func noSuchBucket(_ bucket: String) -> S3Error {
        S3Error(code: "NoSuchBucket", status: 404, message: "The specified bucket does not exist", fields: [Field("BucketName", bucket)])
    }

    /// 404 NoSuchKey.
    public static func noSuchKey(_ key: String) -> S3Error {
        S3Error(code: "NoSuchKey", status: 404, message: "The specified key does not exist.", fields: [Field("Key", key)])
    }

    /// 404 NoSuchVersion.
    public static func noSuchVersion(key: String, versionId: String) -> S3Error {
        S3Error(
            code: "NoSuchVersion", status: 404, message: "The specified version does not exist.",
            fields: [Field("Key", key), Field("VersionId", versionId)]
        )
    }

    /// 404 NoSuchUpload.
    public static func noSuchUpload(_ uploadId: String) -> S3Error {
        S3Error(
            code: "NoSuchUpload", status: 404,
            message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            fields: [Field("UploadId", uploadId)]
        )
    }

    /// 409 BucketAlreadyOwnedByYou.
    public static func bucketAlreadyOwnedByYou(_ bucket: String) -> S3Error {
        S3Error(
            code: "BucketAlreadyOwnedByYou", status: 409,
            message: "Your previous request to create the named bucket succeeded and you already own it.",
            fields: [Field("BucketName", bucket)]
        )
    }

    /// 409 BucketAlreadyExists.
    public static func bucketAlreadyExists(_ bucket: String) -> S3Error {
        S3Error(
            code: "BucketAlreadyExists", status: 409,
            message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            fields: [Field("BucketName", bucket)]
        )
    }

    /// 409 BucketNotEmpty.
    public static func bucketNotEmpty(_ bucket: String) -> S3Error {
        S3Error(code: "BucketNotEmpty", status: 409, message: "The bucket you tried to delete is not empty", fields: [Field("BucketName", bucket)])
    }

    /// 400 InvalidBucketName; `reason` is appended to the message when given.
    public static func invalidBucketName(_ bucket: String, reason: String? = nil) -> S3Error {
        S3Error(
            code: "InvalidBucketName", status: 400,
            message: "The specified bucket is not valid." + (reason.map { " " + $0 } ?? ""),
            fields: [Field("BucketName", bucket)]
        )
    }

    /// 400 InvalidArgument, with `ArgumentName` / `ArgumentValue` when given.
    public static func invalidArgument(_ message: String, name: String? = nil, value: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let name { fields.append(Field("ArgumentName", name)) }
        if let value { fields.append(Field("ArgumentValue", value)) }
        return S3Error(code: "InvalidArgument", status: 400, message: message, fields: fields)
    }

    /// 416 InvalidRange, with the `Content-Range: bytes */size` header.
    public static func invalidRange(size: UInt64, requested: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let requested { fields.append(Field("RangeRequested", requested)) }
        fields.append(Field("ActualObjectSize", String(size)))
        return S3Error(
            code: "InvalidRange", status: 416, message: "The requested range is not satisfiable",
            fields: fields, headers: [Field("Content-Range", "bytes */\(size)")]
        )
    }

    /// 416 InvalidPartNumber: `partNumber` past the object's parts.
    public static func invalidPartNumber() -> S3Error {
        S3Error(code: "InvalidPartNumber", status: 416, message: "The requested partnumber is not satisfiable")
    }

    /// 400 InvalidDigest: a Content-MD5 (or checksum header) that is not valid base64 of the right length.
    public static func invalidDigest(_ message: String = "The Content-MD5 you specified is not valid.") -> S3Error {
        S3Error(code: "InvalidDigest", status: 400, message: message)
    }

    /// 400 BadDigest: the body does not match Content-MD5 or an `x-amz-checksum-*` header.
    public static func badDigest(_ message: String = "The Content-MD5 you specified did not match what we received.", expected: String? = nil, calculated: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let expected { fields.append(Field("ExpectedDigest", expected)) }
        if let calculated { fields.append(Field("CalculatedDigest", calculated)) }
        return S3Error(code: "BadDigest", status: 400, message: message, fields: fields)
    }

    /// 400 XAmzContentSHA256Mismatch.
    public static func contentSHA256Mismatch(clientComputed: String, computed: String) -> S3Error {
        S3Error(
            code: "XAmzContentSHA256Mismatch", status: 400,
            message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
            fields: [Field("ClientComputedContentSHA256", clientComputed), Field("S3ComputedContentSHA256", computed)]
        )
    }

    /// 400 MalformedXML.
    public static func malformedXML() -> S3Error {
        S3Error(
            code: "MalformedXML", status: 400,
            message: "The XML you provided was not well-formed or did not validate against our published schema"
        )
    }

    /// 411 MissingContentLength.
    public static func missingContentLength() -> S3Error {
        S3Error(code: "MissingContentLength", status: 411, message: "You must provide the Content-Length HTTP header.")
    }

    /// 400 MissingRequestBodyError.
    public static func missingRequestBody() -> S3Error {
        S3Error(code: "MissingRequestBodyError", status: 400, message: "Request Body is empty")
    }

    /// 400 EntityTooSmall: a multipart part other than the last under the minimum size.
    public static func entityTooSmall(proposedSize: UInt64? = nil, minSizeAllowed: UInt64? = nil, partNumber: Int? = nil, etag: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let proposedSize { fields.append(Field("ProposedSize", String(proposedSize))) }
        if let minSizeAllowed { fields.append(Field("MinSizeAllowed", String(minSizeAllowed))) }
        if let partNumber { fields.append(Field("PartNumber", String(partNumber))) }
        if let etag { fields.append(Field("ETag", etag)) }
        return S3Error(code: "EntityTooSmall", status: 400, message: "Your proposed upload is smaller than the minimum allowed object size.", fields: fields)
    }

    /// 400 EntityTooLarge.
    public static func entityTooLarge(proposedSize: UInt64? = nil, maxSizeAllowed: UInt64? = nil) -> S3Error {
        var fields: [Field] = []
        if let proposedSize { fields.append(Field("ProposedSize", String(proposedSize))) }
        if let maxSizeAllowed { fields.append(Field("MaxSizeAllowed", String(maxSizeAllowed))) }
        return S3Error(code: "EntityTooLarge", status: 400, message: "Your proposed upload exceeds the maximum allowed object size.", fields: fields)
    }

    /// 400 KeyTooLongError: a key over 1024 bytes.
    public static func keyTooLong(size: Int? = nil) -> S3Error {
        var fields: [Field] = []
        if let size { fields.append(Field("Size", String(size))) }
        fields.append(Field("MaxSizeAllowed", "1024"))
        return S3Error(code: "KeyTooLongError", status: 400, message: "Your key is too long", fields: fields)
    }

    /// 400 InvalidPart.
    public static func invalidPart(uploadId: String? = nil, partNumber: Int? = nil, etag: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let uploadId { fields.append(Field("UploadId", uploadId)) }
        if let partNumber { fields.append(Field("PartNumber", String(partNumber))) }
        if let etag { fields.append(Field("ETag", etag)) }
        return S3Error(
            code: "InvalidPart", status: 400,
            message: "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            fields: fields
        )
    }

    /// 400 InvalidPartOrder.
    public static func invalidPartOrder() -> S3Error {
        S3Error(code: "InvalidPartOrder", status: 400, message: "The list of parts was not in ascending order. Parts must be ordered by part number.")
    }

    /// 412 PreconditionFailed; `condition` names the header that failed (`If-Match`).
    public static func preconditionFailed(condition: String? = nil) -> S3Error {
        S3Error(
            code: "PreconditionFailed", status: 412, message: "At least one of the pre-conditions you specified did not hold",
            fields: condition.map { [Field("Condition", $0)] } ?? []
        )
    }

    /// 304 Not Modified; sent without a body.
    public static func notModified() -> S3Error {
        S3Error(code: "NotModified", status: 304, message: "Not Modified")
    }

    /// 405 MethodNotAllowed.
    public static func methodNotAllowed(method: String? = nil, resourceType: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let method { fields.append(Field("Method", method)) }
        if let resourceType { fields.append(Field("ResourceType", resourceType)) }
        return S3Error(code: "MethodNotAllowed", status: 405, message: "The specified method is not allowed against this resource.", fields: fields)
    }

    /// 501 NotImplemented; `what` (a header or a subresource) is named in the message.
    public static func notImplemented(_ what: String? = nil, header: String? = nil) -> S3Error {
        var message = "A header you provided implies functionality that is not implemented"
        if let what { message = "\(what) is not implemented by pachs3" }
        return S3Error(code: "NotImplemented", status: 501, message: message, fields: header.map { [Field("Header", $0)] } ?? [])
    }

    /// 400 InvalidStorageClass: a write asked for a storage class other than STANDARD, the only one pachs3 has.
    public static func invalidStorageClass(_ value: String) -> S3Error {
        let message =
            S3RequestParser.awsStorageClasses.contains(value)
            ? "The storage class you specified is not valid: pachs3 keeps every object in STANDARD, not \(value)"
            : "The storage class you specified is not valid"
        return S3Error(code: "InvalidStorageClass", status: 400, message: message, fields: [Field("StorageClassRequested", value)])
    }

    /// 400 AccessControlListNotSupported: an ACL or grant beyond the owner's, which a bucket with ACLs disabled refuses.
    public static func accessControlListNotSupported() -> S3Error {
        S3Error(code: "AccessControlListNotSupported", status: 400, message: "The bucket does not allow ACLs")
    }

    /// 404 with the code S3 uses for a bucket configuration it does not have (NoSuchBucketPolicy, NoSuchTagSet…).
    public static func notConfigured(_ code: String, _ message: String, bucket: String) -> S3Error {
        S3Error(code: code, status: 404, message: message, fields: [Field("BucketName", bucket)])
    }

    /// 400 MalformedPOSTRequest: a POST upload whose body is not multipart/form-data.
    public static func malformedPOSTRequest(_ message: String) -> S3Error {
        S3Error(code: "MalformedPOSTRequest", status: 400, message: message)
    }

    /// 400 InvalidPolicyDocument: the policy of a POST upload does not decode or has a bad condition.
    public static func invalidPolicyDocument(_ message: String) -> S3Error {
        S3Error(code: "InvalidPolicyDocument", status: 400, message: message)
    }

    /// 403 AccessDenied.
    public static func accessDenied(_ message: String = "Access Denied") -> S3Error {
        S3Error(code: "AccessDenied", status: 403, message: message)
    }

    /// 403 AccessDenied "Request has expired": a presigned URL past its expiry.
    public static func requestExpired(expires: String? = nil, serverTime: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let expires { fields.append(Field("Expires", expires)) }
        if let serverTime { fields.append(Field("ServerTime", serverTime)) }
        return S3Error(code: "AccessDenied", status: 403, message: "Request has expired", fields: fields)
    }

    /// 400 ExpiredToken.
    public static func expiredToken() -> S3Error {
        S3Error(code: "ExpiredToken", status: 400, message: "The provided token has expired.")
    }

    /// 403 SignatureDoesNotMatch, with the string to sign and canonical request when given (as S3 does,
    /// so a client can see what differed).
    public static func signatureDoesNotMatch(accessKeyId: String? = nil, stringToSign: String? = nil, signatureProvided: String? = nil, canonicalRequest: String? = nil) -> S3Error {
        var fields: [Field] = []
        if let accessKeyId { fields.append(Field("AWSAccessKeyId", accessKeyId)) }
        if let stringToSign { fields.append(Field("StringToSign", stringToSign)) }
        if let signatureProvided { fields.append(Field("SignatureProvided", signatureProvided)) }
        if let canonicalRequest { fields.append(Field("CanonicalRequest", canonicalRequest)) }
        return S3Error(
            code: "SignatureDoesNotMatch", status: 403,
            message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            fields: fields
        )
    }

    /// 403 InvalidAccessKeyId.
    public static func invalidAccessKeyId(_ accessKeyId: String? = nil) -> S3Error {
        S3Error(
            code: "InvalidAccessKeyId", status: 403, message: "The AWS Access Key Id you provided does not exist in our records.",
            fields: accessKeyId.map { [Field("AWSAccessKeyId", $0)] } ?? []
        )
    }

    /// 403 RequestTimeTooSkewed.
    public static func requestTimeTooSkewed(requestTime: String? = nil, serverTime: String? = nil, maxAllowedSkewMilliseconds: Int = 900_000) -> S3Error {
        var fields: [Field] = []
        if let requestTime { fields.append(Field("RequestTime", requestTime)) }
        if let serverTime { fields.append(Field("ServerTime", serverTime)) }
        fields.append(Field("MaxAllowedSkewMilliseconds", String(maxAllowedSkewMilliseconds)))
        return S3Error(code: "RequestTimeTooSkewed", status: 403, message: "The difference between the request time and the current time is too large.", fields: fields)
    }

    /// 400 AuthorizationHeaderMalformed.
    public static func authorizationHeaderMalformed(_ detail: String? = nil) -> S3Error {
        S3Error(code: "AuthorizationHeaderMalformed", status: 400, message: "The authorization header is malformed" + (detail.map { "; " + $0 } ?? "."))
    }

    /// 400 AuthorizationQueryParametersError: a malformed presigned URL.
    public static func authorizationQueryParametersError(_ message: String) -> S3Error {
        S3Error(code: "AuthorizationQueryParametersError", status: 400, message: message)
    }

    /// 400 InvalidRequest with a message (a request S3 understands but refuses as formed).
    public static func invalidRequest(_ message: String) -> S3Error {
        S3Error(code: "InvalidRequest", status: 400, message: message)
    }

    /// 400 IncompleteBody: fewer bytes than Content-Length (or a truncated aws-chunked body).
    public static func incompleteBody() -> S3Error {
        S3Error(code: "IncompleteBody", status: 400, message: "You did not provide the number of bytes specified by the Content-Length HTTP header")
    }

    /// 400 InvalidURI: a path that does not percent-decode to UTF-8.
    public static func invalidURI() -> S3Error {
        S3Error(code: "InvalidURI", status: 400, message: "Couldn't parse the specified URI.")
    }

    /// 400 IllegalVersioningConfigurationException.
    public static func illegalVersioningConfiguration(_ message: String = "The versioning configuration specified in the request is invalid.") -> S3Error {
        S3Error(code: "IllegalVersioningConfigurationException", status: 400, message: message)
    }

    /// 409 OperationAborted: a conflicting operation; the client may retry.
    public static func operationAborted(_ message: String = "A conflicting conditional operation is currently in progress against this resource. Please try again.") -> S3Error {
        S3Error(code: "OperationAborted", status: 409, message: message)
    }

    /// 409 ConditionalRequestConflict: a conditional write lost a race with another write.
    public static func conditionalRequestConflict() -> S3Error {
        S3Error(code: "ConditionalRequestConflict", status: 409, message: "The conditional request cannot succeed due to a conflicting operation against this resource.")
    }

    /// 500 InternalError.
    public static func internalError(_ message: String = "We encountered an internal error. Please try again.") -> S3Error {
        S3Error(code: "InternalError", status: 500, message: message)
    }

    /// 507 XPachs3StorageFull: the server's disk is full. The body says what to do, not which file failed.
    public static func storageFull() -> S3Error {
        S3Error(
            code: "XPachs3StorageFull", status: 507,
            message: "The server's storage is full; nothing was written. Free space (delete objects or branches, then run `pachs3 gc`) and retry.")
    }

    /// 503 ServiceUnavailable: the pachs3 server behind this gateway cannot be reached.
    public static func serverUnreachable() -> S3Error {
        S3Error(code: "ServiceUnavailable", status: 503, message: "The pachs3 server behind this gateway cannot be reached. Please try again.")
    }

    /// 503 SlowDown.
    public static func slowDown() -> S3Error {
        S3Error(code: "SlowDown", status: 503, message: "Please reduce your request rate.")
    }

    /// 503 ServiceUnavailable.
    public static func serviceUnavailable() -> S3Error {
        S3Error(code: "ServiceUnavailable", status: 503, message: "Please reduce your request rate.")
    }
}
