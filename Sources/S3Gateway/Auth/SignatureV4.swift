import Foundation

/// AWS Signature Version 4 verification for S3, header form and presigned-URL form. Pure: the
/// request, the clock and the key lookup come in; a ``VerifiedSignature`` or an ``S3Error`` comes out.
///
/// The canonical request follows AWS's S3 rules: the path is signed as sent, with its percent-encoding
/// normalized but not doubled; the region in the credential scope is not checked; the service must be
/// `s3`. The clock may differ from the request's time by 15 minutes at most.
public enum SignatureV4 {
    /// The only algorithm name SigV4 uses.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The longest validity of a presigned URL: 7 days.
    public static let maxExpires = 604_800

    /// The credential scope of a signature: `AKID/20130524/us-east-1/s3/aws4_request`.
    struct Credential: Equatable {
        var accessKey: String
        var date: String
        var region: String
        var service: String

        var scope: String { "\(date)/\(region)/\(service)/aws4_request" }
    }

    /// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
    struct AuthorizationHeader: Equatable {
        var credential: Credential
        var signedHeaders: [String]
        var signature: String
    }

    /// Verifies the request's SigV4 signature: the `Authorization` header when it starts with
    /// `AWS4-HMAC-SHA256`, else the presigned query (`X-Amz-Algorithm` …).
    ///
    /// - Parameter secretFor: the secret key of an access key, nil when the key is unknown.
    /// - Throws: `AuthorizationHeaderMalformed` / `AuthorizationQueryParametersError` for a malformed
    ///   signature, `AccessDenied` when the request carries no valid date or an unsigned `x-amz-*` header,
    ///   `InvalidRequest` when a header-signed request lacks `x-amz-content-sha256`, `InvalidAccessKeyId`,
    ///   `RequestTimeTooSkewed`, `AccessDenied` "Request has expired", `SignatureDoesNotMatch`.
    public static func verify(_ request: SignedRequest, secretFor: (String) -> String?) throws(S3Error) -> VerifiedSignature {
        if let auth = request.header("authorization"), isV4Header(auth) {
            return try verifyHeader(request, authorization: auth, secretFor: secretFor)
        }
        if request.queryValue("X-Amz-Algorithm") != nil {
            return try verifyPresigned(request, secretFor: secretFor)
        }
        throw S3Error.accessDenied("Request is not signed with AWS Signature Version 4")
    }

    /// Whether an `Authorization` value names the SigV4 algorithm.
    static func isV4Header(_ value: String) -> Bool {
        let v = value.drop { $0 == " " || $0 == "\t" }
        guard v.hasPrefix(algorithm) else { return false }
        let rest = v.dropFirst(algorithm.count)
        return rest.isEmpty || rest.first == " " || rest.first == "\t" || rest.first == ","
    }

    // MARK: - Header form

    static func verifyHeader(_ request: SignedRequest, authorization: String, secretFor: (String) -> String?) throws(S3Error) -> VerifiedSignature {
        let auth = try parseAuthorization(authorization)
        let cred = auth.credential

        // The request time: x-amz-date, else Date.
        let amzDate: String
        let requestDate: Date
        if let x = request.header("x-amz-date") {
            let t = x.trimmingSpaces()
            guard let d = AWSSigning.parseAmzDate(t) else { throw missingDate() }
            amzDate = t
            requestDate = d
        } else if let h = request.header("date"), let d = AWSSigning.parseHTTPDate(h) {
            amzDate = AWSSigning.amzDate(d)
            requestDate = d
        } else {
            throw missingDate()
        }
        guard amzDate.hasPrefix(cred.date) else {
            throw S3Error.authorizationHeaderMalformed("Invalid credential date \"\(cred.date)\". This date is not the same as X-Amz-Date: \"\(amzDate.prefix(8))\".")
        }

        guard let secret = secretFor(cred.accessKey) else { throw S3Error.invalidAccessKeyId(cred.accessKey) }
        try AWSSigning.checkSkew(requestDate, sent: amzDate, now: request.now)

        guard let payloadHash = request.header("x-amz-content-sha256")?.trimmingSpaces() else {
            throw S3Error.invalidRequest("Missing required header for this request: x-amz-content-sha256")
        }

        try checkAmzHeadersSigned(request, signedHeaders: auth.signedHeaders)
        let canonical = canonicalRequest(request, signedHeaders: auth.signedHeaders, excludingQuery: nil, payloadHash: payloadHash)
        return try check(
            provided: auth.signature, credential: cred, amzDate: amzDate, canonicalRequest: canonical, secret: secret)
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, tolerating any mix of
    /// commas and spaces between the parts.
    static func parseAuthorization(_ value: String) throws(S3Error) -> AuthorizationHeader {
        var v = Substring(value).drop { $0 == " " || $0 == "\t" }
        guard v.hasPrefix(algorithm) else { throw S3Error.authorizationHeaderMalformed("the authorization mechanism is not \(algorithm)") }
        v = v.dropFirst(algorithm.count)
        var credential: Substring?
        var signedHeaders: Substring?
        var signature: Substring?
        for part in v.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            guard let eq = part.firstIndex(of: "=") else {
                throw S3Error.authorizationHeaderMalformed("the authorization header component '\(part)' is not of the form name=value")
            }
            let name = part[..<eq]
            let val = part[part.index(after: eq)...]
            switch name {
            case "Credential":
                guard credential == nil else { throw S3Error.authorizationHeaderMalformed("Credential appears twice") }
                credential = val
            case "SignedHeaders":
                guard signedHeaders == nil else { throw S3Error.authorizationHeaderMalformed("SignedHeaders appears twice") }
                signedHeaders = val
            case "Signature":
                guard signature == nil else { throw S3Error.authorizationHeaderMalformed("Signature appears twice") }
                signature = val
            default:
                throw S3Error.authorizationHeaderMalformed("unknown authorization header component '\(name)'")
            }
        }
        guard let credential else { throw S3Error.authorizationHeaderMalformed("missing Credential") }
        guard let signedHeaders else { throw S3Error.authorizationHeaderMalformed("missing SignedHeaders") }
        guard let signature, !signature.isEmpty else { throw S3Error.authorizationHeaderMalformed("missing Signature") }
        let cred: Credential
        do {
            cred = try parseCredential(credential)
        } catch {
            throw S3Error.authorizationHeaderMalformed(error.message)
        }
        guard let headers = parseSignedHeaders(signedHeaders) else { throw S3Error.authorizationHeaderMalformed("SignedHeaders is empty") }
        return AuthorizationHeader(credential: cred, signedHeaders: headers, signature: String(signature))
    }

    /// The problem with a credential, for the error message.
    struct CredentialError: Error, Equatable {
        var message: String
    }

    /// Parses `AKID/20130524/us-east-1/s3/aws4_request`. The last four parts are fixed, so an access
    /// key containing `/` still parses.
    static func parseCredential(_ text: some StringProtocol) throws(CredentialError) -> Credential {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5 else {
            throw CredentialError(message: "the Credential '\(text)' is not of the form <access key>/<date>/<region>/<service>/aws4_request")
        }
        let n = parts.count
        let accessKey = parts[0..<(n - 4)].joined(separator: "/")
        let date = String(parts[n - 4])
        let region = String(parts[n - 3])
        let service = String(parts[n - 2])
        guard !accessKey.isEmpty else { throw CredentialError(message: "the Credential has no access key") }
        guard date.utf8.count == 8, date.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw CredentialError(message: "incorrect date format \"\(date)\". This date in the credential must be in the format \"yyyyMMdd\".")
        }
        guard !region.isEmpty else { throw CredentialError(message: "the Credential has no region") }
        guard service == "s3" else { throw CredentialError(message: "incorrect service \"\(service)\". This endpoint belongs to \"s3\".") }
        guard parts[n - 1] == "aws4_request" else {
            throw CredentialError(message: "incorrect terminal \"\(parts[n - 1])\". This endpoint uses \"aws4_request\".")
        }
        return Credential(accessKey: accessKey, date: date, region: region, service: service)
    }

    /// `host;range;x-amz-date` as lower-case names, sorted; nil when empty.
    static func parseSignedHeaders(_ text: some StringProtocol) -> [String]? {
        let names = text.split(separator: ";").map { $0.lowercased() }
        return names.isEmpty ? nil : names.sorted()
    }

    static func missingDate() -> S3Error {
        S3Error.accessDenied("AWS authentication requires a valid Date or x-amz-date header")
    }

    // MARK: - Presigned form

    static func verifyPresigned(_ request: SignedRequest, secretFor: (String) -> String?) throws(S3Error) -> VerifiedSignature {
        func param(_ name: String) throws(S3Error) -> String {
            guard let v = request.queryValue(name) else {
                throw S3Error.authorizationQueryParametersError(
                    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
            }
            return v
        }
        let alg = try param("X-Amz-Algorithm")
        guard alg == algorithm else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Algorithm only supports \"\(algorithm)\"")
        }
        let credentialText = try param("X-Amz-Credential")
        let amzDate = try param("X-Amz-Date")
        let expiresText = try param("X-Amz-Expires")
        let signedHeadersText = try param("X-Amz-SignedHeaders")
        let signature = try param("X-Amz-Signature")

        let cred: Credential
        do {
            cred = try parseCredential(credentialText)
        } catch {
            throw S3Error.authorizationQueryParametersError("Error parsing the X-Amz-Credential parameter; \(error.message)")
        }
        guard let requestDate = AWSSigning.parseAmzDate(amzDate) else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        guard amzDate.hasPrefix(cred.date) else {
            throw S3Error.authorizationQueryParametersError(
                "Invalid credential date \"\(cred.date)\". This date is not the same as X-Amz-Date: \"\(amzDate.prefix(8))\".")
        }
        guard let expires = Int(expiresText) else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Expires should be a number")
        }
        guard expires >= 1 else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Expires must be at least 1 second")
        }
        guard expires <= maxExpires else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        }
        guard let signedHeaders = parseSignedHeaders(signedHeadersText) else {
            throw S3Error.authorizationQueryParametersError("X-Amz-SignedHeaders is empty")
        }

        guard let secret = secretFor(cred.accessKey) else { throw S3Error.invalidAccessKeyId(cred.accessKey) }

        if requestDate.timeIntervalSince(request.now) > AWSSigning.maxSkew {
            throw S3Error.requestTimeTooSkewed(requestTime: amzDate, serverTime: S3Time.iso8601(request.now))
        }
        let expiry = requestDate.addingTimeInterval(TimeInterval(expires))
        if request.now > expiry {
            throw S3Error.requestExpired(expires: S3Time.iso8601(expiry), serverTime: S3Time.iso8601(request.now))
        }

        let payloadHash = request.queryValue("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD"
        try checkAmzHeadersSigned(request, signedHeaders: signedHeaders, presigned: true)
        let canonical = canonicalRequest(request, signedHeaders: signedHeaders, excludingQuery: "X-Amz-Signature", payloadHash: payloadHash)
        return try check(provided: signature, credential: cred, amzDate: amzDate, canonicalRequest: canonical, secret: secret)
    }

    /// S3 refuses `x-amz-*` headers that are not signed (they could be added to a replayed request):
    /// `AccessDenied` naming them in `HeadersNotSigned`. For a presigned URL, `x-amz-content-sha256`
    /// may go unsigned (it can only add a check of the body).
    static func checkAmzHeadersSigned(_ request: SignedRequest, signedHeaders: [String], presigned: Bool = false) throws(S3Error) {
        var unsigned: [String] = []
        for h in request.headers {
            let name = h.name.lowercased()
            guard name.hasPrefix("x-amz-"), !signedHeaders.contains(name), !unsigned.contains(name) else { continue }
            if presigned && name == "x-amz-content-sha256" { continue }
            unsigned.append(name)
        }
        if !unsigned.isEmpty {
            throw S3Error.accessDenied("There were headers present in the request which were not signed")
                .adding("HeadersNotSigned", unsigned.joined(separator: ", "))
        }
    }

    // MARK: - Signing

    /// Compares the provided signature with the one computed over `canonicalRequest`.
    static func check(provided: String, credential: Credential, amzDate: String, canonicalRequest: String, secret: String) throws(S3Error) -> VerifiedSignature {
        let key = signingKey(secret: secret, date: credential.date, region: credential.region, service: credential.service)
        let sts = stringToSign(amzDate: amzDate, scope: credential.scope, canonicalRequest: canonicalRequest)
        let computed = AWSSigning.hex(AWSSigning.hmacSHA256(key: key, sts))
        guard AWSSigning.constantTimeEqual(computed, provided.lowercased()) else {
            throw S3Error.signatureDoesNotMatch(
                accessKeyId: credential.accessKey, stringToSign: sts, signatureProvided: provided, canonicalRequest: canonicalRequest)
        }
        return VerifiedSignature(accessKey: credential.accessKey, seedSignature: computed, signingKey: key, scope: credential.scope, amzDate: amzDate)
    }

    /// The key a scope's signatures are made with: HMAC-SHA256 chained from "AWS4"+secret over the
    /// date, region, service and `aws4_request`.
    public static func signingKey(secret: String, date: String, region: String, service: String = "s3") -> [UInt8] {
        var k = AWSSigning.hmacSHA256(key: Array(("AWS4" + secret).utf8), date)
        k = AWSSigning.hmacSHA256(key: k, region)
        k = AWSSigning.hmacSHA256(key: k, service)
        return AWSSigning.hmacSHA256(key: k, "aws4_request")
    }

    /// `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256(canonical request)>`.
    static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        "\(algorithm)\n\(amzDate)\n\(scope)\n\(AWSSigning.sha256Hex(canonicalRequest))"
    }

    /// The canonical request: method, URI, query, headers, signed header names, payload hash.
    static func canonicalRequest(_ request: SignedRequest, signedHeaders: [String], excludingQuery: String?, payloadHash: String) -> String {
        var s = request.method.uppercased() + "\n"
        s += canonicalURI(request.path) + "\n"
        s += canonicalQuery(request.query, excluding: excludingQuery) + "\n"
        s += canonicalHeaders(request, signedHeaders: signedHeaders)
        s += "\n"
        s += signedHeaders.joined(separator: ";") + "\n"
        s += payloadHash
        return s
    }

    /// The path as S3 signs it: not encoded twice, but each segment decoded and re-encoded with AWS's
    /// URI encoding, so `%2a`, `*` and `%2A` all become `%2A`, and `%2F` stays `%2F`. An empty path is `/`.
    static func canonicalURI(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { AWSSigning.uriEncode(AWSSigning.percentDecodeBytes($0, plusAsSpace: false), keepSlash: false) }
            .joined(separator: "/")
    }

    /// The canonical query: each name and value decoded and AWS-URI-encoded, sorted by name then
    /// value, `name=value` joined with `&` (a bare name signs as `name=`). `excluding` drops a parameter
    /// (`X-Amz-Signature` of a presigned URL).
    static func canonicalQuery(_ query: String?, excluding: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        var pairs: [(String, String)] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let eq = item.firstIndex(of: "=") {
                name = item[..<eq]
                value = item[item.index(after: eq)...]
            } else {
                name = item
                value = ""
            }
            let n = AWSSigning.percentDecodeBytes(name, plusAsSpace: true)
            if let excluding, n.elementsEqual(excluding.utf8) { continue }
            pairs.append((
                AWSSigning.uriEncode(n, keepSlash: false),
                AWSSigning.uriEncode(AWSSigning.percentDecodeBytes(value, plusAsSpace: true), keepSlash: false)
            ))
        }
        pairs.sort { a, b in a.0 != b.0 ? a.0.utf8.lexicographicallyPrecedes(b.0.utf8) : a.1.utf8.lexicographicallyPrecedes(b.1.utf8) }
        return pairs.map { $0.0 + "=" + $0.1 }.joined(separator: "&")
    }

    /// One `name:value\n` line per signed header (sorted), the values of a repeated header joined
    /// with `,`, each trimmed with inner runs of spaces collapsed. A signed header the request lacks
    /// signs as an empty value (and so will not match).
    static func canonicalHeaders(_ request: SignedRequest, signedHeaders: [String]) -> String {
        var s = ""
        for name in signedHeaders {
            let values = request.headerValues(name).map(AWSSigning.collapseSpaces)
            s += name + ":" + values.joined(separator: ",") + "\n"
        }
        return s
    }
}
