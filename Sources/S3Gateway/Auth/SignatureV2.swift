import Foundation

/// AWS Signature Version 2 verification for S3: the `Authorization: AWS AKID:signature` header and
/// presigned URLs (`AWSAccessKeyId`, `Expires`, `Signature`). Pure: the request, the clock and the key
/// lookup come in; the access key or an ``S3Error`` comes out.
///
/// The string to sign is `method\nContent-MD5\nContent-Type\nDate\n` + the canonical `x-amz-` headers
/// + the canonical resource (`/bucket/key` as sent, plus the sub-resources S3 signs).
public enum SignatureV2 {
    /// The query parameters that are part of the canonical resource.
    static let subresources: Set<String> = [
        "accelerate", "acl", "analytics", "cors", "delete", "encryption", "inventory", "legal-hold", "lifecycle", "location",
        "logging", "metrics", "notification", "object-lock", "partNumber", "policy", "replication", "requestPayment",
        "response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "retention", "select", "select-type", "tagging", "torrent",
        "uploadId", "uploads", "versionId", "versioning", "versions", "website",
    ]

    /// Verifies the request's SigV2 signature: the `Authorization` header when it starts with `AWS `,
    /// else the presigned query.
    ///
    /// - Parameter secretFor: the secret key of an access key, nil when the key is unknown.
    /// - Returns: the access key the request was signed with.
    /// - Throws: `AuthorizationHeaderMalformed` / `AccessDenied` for a malformed signature or one with no
    ///   valid date, `InvalidAccessKeyId`, `RequestTimeTooSkewed`, `AccessDenied` "Request has expired",
    ///   `SignatureDoesNotMatch`.
    public static func verify(_ request: SignedRequest, secretFor: (String) -> String?) throws(S3Error) -> String {
        if let auth = request.header("authorization"), isV2Header(auth) {
            return try verifyHeader(request, authorization: auth, secretFor: secretFor)
        }
        return try verifyPresigned(request, secretFor: secretFor)
    }

    /// Whether an `Authorization` value is of the form `AWS …`.
    static func isV2Header(_ value: String) -> Bool {
        value.drop { $0 == " " || $0 == "\t" }.hasPrefix("AWS ")
    }

    // MARK: - Header form

    static func verifyHeader(_ request: SignedRequest, authorization: String, secretFor: (String) -> String?) throws(S3Error) -> String {
        let (accessKey, signature) = try parseAuthorization(authorization)

        // The Date line is empty when x-amz-date is sent (it is then signed among the x-amz- headers).
        let dateLine: String
        let requestDate: Date
        let sent: String
        if let x = request.header("x-amz-date") {
            guard let d = AWSSigning.parseHTTPDate(x) ?? AWSSigning.parseAmzDate(x.trimmingSpaces()) else { throw SignatureV4.missingDate() }
            dateLine = ""
            requestDate = d
            sent = x
        } else if let h = request.header("date"), let d = AWSSigning.parseHTTPDate(h) {
            dateLine = h
            requestDate = d
            sent = h
        } else {
            throw SignatureV4.missingDate()
        }

        guard let secret = secretFor(accessKey) else { throw S3Error.invalidAccessKeyId(accessKey) }
        try AWSSigning.checkSkew(requestDate, sent: sent, now: request.now)
        try check(request, provided: signature, accessKey: accessKey, secret: secret, dateLine: dateLine)
        return accessKey
    }

    /// Parses `AWS AKID:signature` into the access key and the signature.
    static func parseAuthorization(_ value: String) throws(S3Error) -> (accessKey: String, signature: String) {
        let v = value.trimmingSpaces()
        guard v.hasPrefix("AWS ") else { throw S3Error.authorizationHeaderMalformed("the authorization mechanism is not AWS") }
        let rest = v.dropFirst(4).drop { $0 == " " || $0 == "\t" }
        guard let colon = rest.lastIndex(of: ":") else {
            throw S3Error.authorizationHeaderMalformed("the authorization header is not of the form 'AWS AccessKeyId:Signature'")
        }
        let accessKey = rest[..<colon].trimmingCharacters(in: .whitespaces)
        let signature = rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !accessKey.isEmpty, !signature.isEmpty else {
            throw S3Error.authorizationHeaderMalformed("the authorization header is not of the form 'AWS AccessKeyId:Signature'")
        }
        return (accessKey, signature)
    }

    // MARK: - Presigned form

    static func verifyPresigned(_ request: SignedRequest, secretFor: (String) -> String?) throws(S3Error) -> String {
        guard let accessKey = request.queryValue("AWSAccessKeyId"), let expiresText = request.queryValue("Expires"),
              let signatureText = request.queryValue("Signature"), !accessKey.isEmpty, !signatureText.isEmpty
        else {
            throw S3Error.accessDenied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
        }
        // Base64 has no spaces: a '+' sent unencoded was read as a space.
        let signature = signatureText.replacingOccurrences(of: " ", with: "+")
        guard let expires = Int64(expiresText) else {
            throw S3Error.accessDenied("Invalid date (should be seconds since epoch): \(expiresText)")
        }
        guard let secret = secretFor(accessKey) else { throw S3Error.invalidAccessKeyId(accessKey) }
        if S3Time.seconds(request.now) > expires {
            throw S3Error.requestExpired(
                expires: S3Time.iso8601(Date(timeIntervalSince1970: TimeInterval(expires))), serverTime: S3Time.iso8601(request.now))
        }
        try check(request, provided: signature, accessKey: accessKey, secret: secret, dateLine: expiresText)
        return accessKey
    }

    // MARK: - Signing

    /// Compares the provided signature with the computed one. The sub-resource values are signed
    /// decoded, as AWS documents; some clients sign them as sent, so that form is accepted too.
    /// A bucket-level path (`/bucket`) is also accepted signed as `/bucket/`, as botocore and AWS's
    /// examples sign it and S3 accepts.
    static func check(_ request: SignedRequest, provided: String, accessKey: String, secret: String, dateLine: String) throws(S3Error) {
        var variants = [request]
        let trimmed = request.path.drop { $0 == "/" }
        if request.virtualHostBucket == nil, !trimmed.isEmpty, !trimmed.contains("/") {
            var slashed = request
            slashed.path += "/"
            variants.append(slashed)
        }
        let sts = stringToSign(request, dateLine: dateLine, decodeSubresources: true)
        for r in variants {
            let decoded = stringToSign(r, dateLine: dateLine, decodeSubresources: true)
            if AWSSigning.constantTimeEqual(AWSSigning.hmacSHA1Base64(key: secret, decoded), provided) { return }
            let raw = stringToSign(r, dateLine: dateLine, decodeSubresources: false)
            if raw != decoded, AWSSigning.constantTimeEqual(AWSSigning.hmacSHA1Base64(key: secret, raw), provided) { return }
        }
        throw S3Error.signatureDoesNotMatch(accessKeyId: accessKey, stringToSign: sts, signatureProvided: provided)
    }

    /// The string to sign, with `dateLine` as its Date line (the Date header, "" when `x-amz-date` is
    /// sent, or `Expires` for a presigned URL).
    static func stringToSign(_ request: SignedRequest, dateLine: String, decodeSubresources: Bool = true) -> String {
        var s = request.method.uppercased() + "\n"
        s += (request.header("content-md5")?.trimmingSpaces() ?? "") + "\n"
        s += (request.header("content-type")?.trimmingSpaces() ?? "") + "\n"
        s += dateLine + "\n"
        s += canonicalAmzHeaders(request)
        s += canonicalResource(request, decodeSubresources: decodeSubresources)
        return s
    }

    /// `name:value\n` for each `x-amz-` header: names lower-cased and sorted, values trimmed (inner
    /// whitespace runs collapsed), the values of a repeated name joined with `,`.
    static func canonicalAmzHeaders(_ request: SignedRequest) -> String {
        var byName: [String: [String]] = [:]
        for h in request.headers {
            let name = h.name.lowercased().trimmingSpaces()
            guard name.hasPrefix("x-amz-") else { continue }
            byName[name, default: []].append(AWSSigning.collapseSpaces(h.value))
        }
        var s = ""
        for name in byName.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            s += name + ":" + byName[name]!.joined(separator: ",") + "\n"
        }
        return s
    }

    /// `/bucket` (virtual-host style) + the path as sent + `?` and the signed sub-resources sorted by
    /// name, `name=value` or a bare `name`.
    static func canonicalResource(_ request: SignedRequest, decodeSubresources: Bool) -> String {
        var s = ""
        if let bucket = request.virtualHostBucket, !bucket.isEmpty { s += "/" + bucket }
        s += request.path.isEmpty ? "/" : request.path
        var subs: [(name: String, value: String?)] = []
        for p in request.rawQueryParameters {
            let name = AWSSigning.queryDecode(p.name)
            guard subresources.contains(name) else { continue }
            subs.append((name, p.value.map { decodeSubresources ? AWSSigning.queryDecode($0) : String($0) }))
        }
        if !subs.isEmpty {
            // A stable sort by name keeps repeated names in the order sent.
            let sorted = subs.enumerated().sorted { a, b in
                a.element.name != b.element.name ? a.element.name.utf8.lexicographicallyPrecedes(b.element.name.utf8) : a.offset < b.offset
            }
            s += "?" + sorted.map { e in e.element.value.map { "\(e.element.name)=\($0)" } ?? e.element.name }.joined(separator: "&")
        }
        return s
    }
}
