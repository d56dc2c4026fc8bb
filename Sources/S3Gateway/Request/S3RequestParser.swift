/// Recognizes the S3 call a request makes, from its method, raw path, decoded query items and
/// headers. Pure: it reads nothing but its arguments.
///
/// Path-style (`/bucket/key`) always; virtual-host style (`bucket.domain[:port]` in `Host`) for the
/// configured domains. The key is everything after the first `/` after the bucket, percent-decoded
/// (`+` stays a plus), so keys keep `//`, a trailing `/`, spaces and any Unicode.
public struct S3RequestParser: Sendable {
    /// The longest key S3 accepts, in UTF-8 bytes.
    public static let maxKeyLength = 1024
    /// The largest page any listing returns.
    public static let maxListLimit = 1000

    /// Domains served virtual-host style, lower-cased (`s3.example.com`).
    public var virtualHostDomains: [String]

    public init(virtualHostDomains: [String] = []) {
        self.virtualHostDomains = virtualHostDomains.map { $0.lowercased() }
    }

    /// Recognizes the call. `headers` looks a header up by its lower-cased name; `query` holds the
    /// decoded query items in order (a name without `=` has a nil value).
    ///
    /// Throws InvalidURI (a path that does not decode), KeyTooLongError, InvalidArgument (a bad
    /// `max-keys`, `max-buckets`, `partNumber`, `encoding-type`, `list-type`, empty `versionId` or copy source) and
    /// InvalidRequest (Range together with partNumber; SSE-C keys for an unencrypted object), and
    /// AccessControlListNotSupported (a write granting more than the owner's access).
    public func parse(method: String, path: String, query: [(String, String?)], headers: (String) -> String?) throws(S3Error) -> S3Operation {
        let (bucket, key) = try bucketAndKey(path: path, host: headers("host"))
        let q = Query(query)
        let method = method.uppercased()
        guard let bucket else {
            return method == "GET" ? .listBuckets(try listBucketsParameters(q)) : .methodNotAllowed(method: method, resourceType: "SERVICE")
        }
        if let key {
            return try objectOperation(method: method, bucket: bucket, key: key, query: q, headers: headers)
        }
        return try bucketOperation(method: method, bucket: bucket, query: q, headers: headers)
    }

    /// ``parse(method:path:query:headers:)`` with the headers in a dictionary keyed by lower-cased name.
    public func parse(method: String, path: String, query: [(String, String?)], headers: [String: String]) throws(S3Error) -> S3Operation {
        try parse(method: method, path: path, query: query, headers: { headers[$0] })
    }

    /// The bucket and key a path addresses: both nil for the service (`/`), a nil key for a bucket
    /// (`/bucket` or `/bucket/`). Virtual-host style applies when `host` (the `Host` header) is
    /// `bucket.` + one of ``virtualHostDomains``, with or without a port.
    public func bucketAndKey(path: String, host: String?) throws(S3Error) -> (bucket: String?, key: String?) {
        var raw = Substring(path)
        guard raw.hasPrefix("/") || raw.isEmpty else { throw .invalidURI() }
        raw = raw.dropFirst()
        if let host, let vbucket = virtualHostBucket(host) {
            guard let key = S3URLEncoding.percentDecode(raw) else { throw .invalidURI() }
            return (vbucket, try checkedKey(key))
        }
        let bucketRaw: Substring
        var keyRaw: Substring = ""
        if let slash = raw.firstIndex(of: "/") {
            bucketRaw = raw[..<slash]
            keyRaw = raw[raw.index(after: slash)...]
        } else {
            bucketRaw = raw
        }
        guard let bucket = S3URLEncoding.percentDecode(bucketRaw), let key = S3URLEncoding.percentDecode(keyRaw) else {
            throw .invalidURI()
        }
        if bucket.isEmpty {
            guard key.isEmpty else { throw .invalidURI() }
            return (nil, nil)
        }
        return (bucket, try checkedKey(key))
    }

    /// The bucket named by a virtual-host `Host`, or nil when `host` is not under a configured domain.
    public func virtualHostBucket(_ host: String) -> String? {
        guard !virtualHostDomains.isEmpty else { return nil }
        var name = Substring(host)
        // Drop the port; an IPv6 literal is never a bucket host.
        if name.hasPrefix("[") { return nil }
        if let colon = name.lastIndex(of: ":") { name = name[..<colon] }
        if name.hasSuffix(".") { name = name.dropLast() }
        let lower = name.lowercased()
        for domain in virtualHostDomains where lower.count > domain.count + 1 && lower.hasSuffix("." + domain) {
            return String(name.dropLast(domain.count + 1))
        }
        return nil
    }

    // MARK: - Routing

    /// Subresources S3 has on buckets and pachs3 does not serve.
    static let unservedBucketSubresources: [String] = [
        "acl", "policy", "policyStatus", "lifecycle", "tagging", "cors", "website", "logging", "notification", "replication",
        "encryption", "object-lock", "requestPayment", "accelerate", "analytics", "inventory", "metrics", "intelligent-tiering",
        "ownershipControls", "publicAccessBlock", "torrent", "select", "restore", "retention", "legal-hold", "attributes",
        "session", "metadataTable", "metadataConfiguration", "abac",
    ]

    /// Headers of an object write asking for what pachs3 does not do: encryption at rest (SSE-S3, SSE-KMS, SSE-C),
    /// object lock, tags, appends by offset. Refused rather than ignored, so no client believes its data encrypted,
    /// locked or tagged when it is not.
    static let unservedWriteHeaders: [(header: String, what: String)] = [
        ("x-amz-server-side-encryption", "server-side encryption (objects are stored unencrypted)"),
        ("x-amz-server-side-encryption-customer-algorithm", "server-side encryption with customer keys (objects are stored unencrypted)"),
        ("x-amz-server-side-encryption-aws-kms-key-id", "server-side encryption with KMS keys (objects are stored unencrypted)"),
        ("x-amz-object-lock-mode", "object lock"),
        ("x-amz-object-lock-retain-until-date", "object lock"),
        ("x-amz-object-lock-legal-hold", "object lock legal holds"),
        ("x-amz-tagging", "object tagging (tags are not stored)"),
        ("x-amz-write-offset-bytes", "appending by write offset"),
    ]

    /// The storage classes S3 knows. Every object pachs3 stores is STANDARD; a write asking for any other class is
    /// refused (as MinIO does), so no client believes an object archived, or cheaper to keep, when it is not.
    static let awsStorageClasses: Set<String> = [
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS",
        "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS",
    ]

    /// InvalidStorageClass if a write asks for a storage class other than STANDARD.
    static func storageClassRefusal(_ headers: (String) -> String?) -> S3Error? {
        guard let value = headers("x-amz-storage-class"), value != "STANDARD" else { return nil }
        return .invalidStorageClass(value)
    }

    /// Canned ACLs that grant what pachs3 grants anyway: everything to the owner (whoever holds a token), nothing to
    /// anyone else. Any other ACL, or a grant header, is refused as an S3 bucket with ACLs disabled (S3's default since
    /// 2023) refuses it.
    static let ownerOnlyACLs: Set<String> = ["private", "bucket-owner-full-control"]
    static let grantHeaders = ["x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp", "x-amz-grant-write", "x-amz-grant-write-acp"]

    /// AccessControlListNotSupported if a bucket or object write asks for an ACL beyond the owner's.
    static func aclRefusal(_ headers: (String) -> String?) -> S3Error? {
        if let acl = headers("x-amz-acl"), !ownerOnlyACLs.contains(acl.trimmingCharacters(in: .whitespaces).lowercased()) {
            return .accessControlListNotSupported()
        }
        return grantHeaders.contains { headers($0) != nil } ? .accessControlListNotSupported() : nil
    }

    /// AccessControlListNotSupported unless a PUT `?acl` sets an owner-only canned ACL (and no document) or sends an
    /// ACL document, which its handler reads (it must grant the owner full control and nothing else); grant headers
    /// always ask for more.
    static func putACLRefusal(_ headers: (String) -> String?) -> S3Error? {
        let body = (headers("content-length").flatMap { Int($0) } ?? 0) > 0 || headers("transfer-encoding") != nil
        if headers("x-amz-acl") == nil { return body && !grantHeaders.contains { headers($0) != nil } ? nil : .accessControlListNotSupported() }
        return body ? .accessControlListNotSupported() : aclRefusal(headers)
    }

    /// SSE-C headers on a read, a part or a copy source name a key for an object stored unencrypted (pachs3 refuses
    /// to store any other), which S3 answers with InvalidRequest.
    static let customerKeyHeaders = ["x-amz-server-side-encryption-customer-algorithm", "x-amz-copy-source-server-side-encryption-customer-algorithm"]

    /// Subresources S3 has on objects and pachs3 does not serve.
    static let unservedObjectSubresources: [String] = [
        "acl", "tagging", "retention", "legal-hold", "torrent", "select", "select-type", "restore", "renameObject",
        "policy", "cors", "lifecycle", "website", "encryption",
    ]

    func bucketOperation(method: String, bucket: String, query q: Query, headers: (String) -> String?) throws(S3Error) -> S3Operation {
        if let config = S3BucketConfiguration.allCases.first(where: { q.has($0.subresource) }) {
            switch method {
            case "GET": return .getBucketConfiguration(bucket: bucket, config)
            case "DELETE" where config.deleteName != nil: return .deleteBucketConfiguration(bucket: bucket, config)
            case "PUT" where config == .acl:
                if let refusal = Self.putACLRefusal(headers) { throw refusal }
                return .putACL(bucket: bucket, key: nil, versionId: nil)
            default: break  // setting one: NotImplemented below
            }
        }
        if let sub = Self.unservedBucketSubresources.first(where: q.has) { return .notImplemented("\(method) ?\(sub)") }
        switch method {
        case "GET":
            if q.has("location") { return .getBucketLocation(bucket: bucket) }
            if q.has("versioning") { return .getBucketVersioning(bucket: bucket) }
            if q.has("versions") { return .listObjectVersions(bucket: bucket, try versionsParameters(q)) }
            if q.has("uploads") { return .listMultipartUploads(bucket: bucket, try uploadsParameters(q)) }
            switch q["list-type"] ?? nil {
            case nil, "1": return .listObjectsV1(bucket: bucket, try listParameters(q, v2: false))
            case "2": return .listObjectsV2(bucket: bucket, try listParameters(q, v2: true))
            case let other?: throw .invalidArgument("Invalid List Type specified in Request", name: "list-type", value: other)
            }
        case "PUT":
            if q.has("versioning") { return .putBucketVersioning(bucket: bucket) }
            if let sub = ["uploads", "versions", "location"].first(where: q.has) { return .notImplemented("PUT ?\(sub)") }
            if headers("x-amz-bucket-object-lock-enabled")?.lowercased() == "true" {
                return .notImplemented("x-amz-bucket-object-lock-enabled: object lock")
            }
            if let refusal = Self.aclRefusal(headers) { throw refusal }
            return .createBucket(bucket: bucket)
        case "DELETE":
            if let sub = ["versioning", "uploads", "versions"].first(where: q.has) {
                return .methodNotAllowed(method: method, resourceType: sub.uppercased())
            }
            return .deleteBucket(bucket: bucket)
        case "HEAD":
            return .headBucket(bucket: bucket)
        case "POST":
            if q.has("delete") { return .deleteObjects(bucket: bucket) }
            // A POST to a bucket without a subresource is a browser form upload.
            return .postObject(bucket: bucket)
        default:
            return .methodNotAllowed(method: method, resourceType: "BUCKET")
        }
    }

    func objectOperation(method: String, bucket: String, key: String, query q: Query, headers: (String) -> String?) throws(S3Error) -> S3Operation {
        switch (method, q.has("acl"), q.has("tagging")) {
        case ("GET", true, _): return .getObjectACL(bucket: bucket, key: key, versionId: try versionId(q))
        case ("PUT", true, _):
            if let refusal = Self.putACLRefusal(headers) { throw refusal }
            return .putACL(bucket: bucket, key: key, versionId: try versionId(q))
        case ("GET", _, true): return .getObjectTagging(bucket: bucket, key: key, versionId: try versionId(q))
        case ("DELETE", _, true): return .deleteObjectTagging(bucket: bucket, key: key, versionId: try versionId(q))
        default: break  // PUT ?tagging: NotImplemented below
        }
        if let sub = Self.unservedObjectSubresources.first(where: q.has) { return .notImplemented("\(method) ?\(sub)") }
        let writesAnObject = (method == "PUT" && !q.has("uploadId") && !q.has("partNumber")) || (method == "POST" && q.has("uploads"))
        if writesAnObject, let (header, what) = Self.unservedWriteHeaders.first(where: { headers($0.header) != nil }) {
            return .notImplemented("\(header): \(what)")
        }
        if writesAnObject, let refusal = Self.aclRefusal(headers) ?? Self.storageClassRefusal(headers) { throw refusal }
        if Self.customerKeyHeaders.contains(where: { headers($0) != nil }) {
            throw .invalidRequest("The encryption parameters are not applicable to this object.")
        }
        if q.has("attributes") {
            guard method == "GET" else { return .notImplemented("\(method) ?attributes") }
            return .getObjectAttributes(bucket: bucket, key: key, versionId: try versionId(q))
        }
        switch method {
        case "GET", "HEAD":
            if method == "GET", q.has("uploadId") {
                return .listParts(bucket: bucket, key: key, uploadId: q.value("uploadId") ?? "", try partsParameters(q))
            }
            let params = try getParameters(q)
            if params.partNumber != nil, headers("range") != nil {
                throw .invalidRequest("Cannot specify both Range header and partNumber query parameter")
            }
            return method == "GET" ? .getObject(bucket: bucket, key: key, params) : .headObject(bucket: bucket, key: key, params)
        case "PUT":
            var copySource: S3CopySource?
            if let header = headers("x-amz-copy-source") { copySource = try S3CopySource.parse(header) }
            if q.has("uploadId") || q.has("partNumber") {
                guard let uploadId = q["uploadId"] ?? nil else {
                    throw .invalidArgument("This operation requires the uploadId parameter", name: "uploadId")
                }
                guard let partText = q["partNumber"] ?? nil else {
                    throw .invalidArgument("This operation requires the partNumber parameter", name: "partNumber")
                }
                let part = try partNumber(partText)
                if let copySource {
                    return .uploadPartCopy(bucket: bucket, key: key, uploadId: uploadId, partNumber: part, source: copySource)
                }
                return .uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: part)
            }
            if let copySource { return .copyObject(bucket: bucket, key: key, source: copySource) }
            return .putObject(bucket: bucket, key: key)
        case "POST":
            if q.has("uploads") { return .createMultipartUpload(bucket: bucket, key: key) }
            if q.has("uploadId") { return .completeMultipartUpload(bucket: bucket, key: key, uploadId: q.value("uploadId") ?? "") }
            return .methodNotAllowed(method: method, resourceType: "OBJECT")
        case "DELETE":
            if q.has("uploadId") { return .abortMultipartUpload(bucket: bucket, key: key, uploadId: q.value("uploadId") ?? "") }
            return .deleteObject(bucket: bucket, key: key, versionId: try versionId(q))
        default:
            return .methodNotAllowed(method: method, resourceType: "OBJECT")
        }
    }

    // MARK: - Parameters

    func listParameters(_ q: Query, v2: Bool) throws(S3Error) -> S3Operation.ListObjectsParameters {
        var p = S3Operation.ListObjectsParameters()
        p.prefix = q.value("prefix") ?? ""
        p.delimiter = q.nonEmpty("delimiter")
        p.maxKeys = try limit(q, "max-keys")
        p.encodingURL = try encodingURL(q)
        if v2 {
            p.continuationToken = q.value("continuation-token")
            p.startAfter = q.nonEmpty("start-after")
            p.fetchOwner = q.value("fetch-owner")?.lowercased() == "true"
        } else {
            p.marker = q.nonEmpty("marker")
        }
        return p
    }

    func versionsParameters(_ q: Query) throws(S3Error) -> S3Operation.ListVersionsParameters {
        // As S3: a version marker names a version of the key marker, so it means nothing alone.
        if let v = q.nonEmpty("version-id-marker"), q.nonEmpty("key-marker") == nil {
            throw .invalidArgument("A version-id marker cannot be specified without a key marker.", name: "version-id-marker", value: v)
        }
        return S3Operation.ListVersionsParameters(
            prefix: q.value("prefix") ?? "", delimiter: q.nonEmpty("delimiter"), maxKeys: try limit(q, "max-keys"),
            encodingURL: try encodingURL(q), keyMarker: q.nonEmpty("key-marker"), versionIdMarker: q.nonEmpty("version-id-marker")
        )
    }

    func uploadsParameters(_ q: Query) throws(S3Error) -> S3Operation.ListUploadsParameters {
        S3Operation.ListUploadsParameters(
            prefix: q.value("prefix") ?? "", delimiter: q.nonEmpty("delimiter"), maxUploads: try limit(q, "max-uploads"),
            encodingURL: try encodingURL(q), keyMarker: q.nonEmpty("key-marker"), uploadIdMarker: q.nonEmpty("upload-id-marker")
        )
    }

    func partsParameters(_ q: Query) throws(S3Error) -> S3Operation.ListPartsParameters {
        var marker = 0
        if let text = q.nonEmpty("part-number-marker") {
            guard let n = Int(text), n >= 0 else {
                throw .invalidArgument("Provided part-number-marker not an integer or within integer range", name: "part-number-marker", value: text)
            }
            marker = n
        }
        return S3Operation.ListPartsParameters(maxParts: try limit(q, "max-parts"), partNumberMarker: marker)
    }

    func getParameters(_ q: Query) throws(S3Error) -> S3Operation.GetObjectParameters {
        var p = S3Operation.GetObjectParameters()
        p.versionId = try versionId(q)
        if let text = q.value("partNumber") { p.partNumber = try partNumber(text) }
        p.overrides = S3Operation.ResponseOverrides(
            contentType: q.value("response-content-type"), contentLanguage: q.value("response-content-language"),
            expires: q.value("response-expires"), cacheControl: q.value("response-cache-control"),
            contentDisposition: q.value("response-content-disposition"), contentEncoding: q.value("response-content-encoding")
        )
        return p
    }

    func versionId(_ q: Query) throws(S3Error) -> String? {
        guard q.has("versionId") else { return nil }
        guard let v = q.nonEmpty("versionId") else { throw .invalidArgument("Version id cannot be the empty string", name: "versionId", value: "") }
        return v
    }

    func partNumber(_ text: String) throws(S3Error) -> Int {
        guard let n = Int(text), (1...S3XMLRequests.maxPartNumber).contains(n) else {
            throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive", name: "partNumber", value: text)
        }
        return n
    }

    /// The most buckets one ListBuckets page may ask for.
    static let maxBucketsLimit = 10_000

    func listBucketsParameters(_ q: Query) throws(S3Error) -> S3Operation.ListBucketsParameters {
        var p = S3Operation.ListBucketsParameters(prefix: q.nonEmpty("prefix"), continuationToken: q.value("continuation-token"), bucketRegion: q.nonEmpty("bucket-region"))
        if let text = q.value("max-buckets") {
            guard let n = Int(text), (1...Self.maxBucketsLimit).contains(n) else {
                throw .invalidArgument("Argument max-buckets must be an integer between 1 and \(Self.maxBucketsLimit)", name: "max-buckets", value: text)
            }
            p.maxBuckets = n
        }
        return p
    }

    /// A `max-*` parameter: 1000 when absent, an integer ≥ 0 capped at 1000 otherwise.
    func limit(_ q: Query, _ name: String) throws(S3Error) -> Int {
        guard let text = q.value(name) else { return Self.maxListLimit }
        guard let n = Int(text) else { throw .invalidArgument("Provided \(name) not an integer or within integer range", name: name, value: text) }
        guard n >= 0 else { throw .invalidArgument("Argument \(name) must be an integer between 0 and 2147483647", name: name, value: text) }
        return min(n, Self.maxListLimit)
    }

    func encodingURL(_ q: Query) throws(S3Error) -> Bool {
        guard let e = q.nonEmpty("encoding-type") else { return false }
        guard e.lowercased() == "url" else { throw .invalidArgument("Invalid Encoding Method specified in Request", name: "encoding-type", value: e) }
        return true
    }

    func checkedKey(_ key: String) throws(S3Error) -> String? {
        if key.isEmpty { return nil }
        let n = key.utf8.count
        guard n <= Self.maxKeyLength else { throw .keyTooLong(size: n) }
        return key
    }

    /// Query items by name (the first occurrence wins; names are case-sensitive, as in S3).
    struct Query {
        var items: [String: String?] = [:]

        init(_ list: [(String, String?)]) {
            for (name, value) in list where items[name] == nil { items[name] = .some(value) }
        }

        func has(_ name: String) -> Bool { items[name] != nil }
        /// The value, "" for a name given without one, nil when absent.
        func value(_ name: String) -> String? { items[name].map { $0 ?? "" } }
        /// The value when present and non-empty.
        func nonEmpty(_ name: String) -> String? { value(name).flatMap { $0.isEmpty ? nil : $0 } }
        subscript(_ name: String) -> String?? { items[name] }
    }
}
