import Foundation
import Testing
@testable import S3Gateway

/// The published AWS SigV4 examples for S3 (access key AKIAIOSFODNN7EXAMPLE, secret
/// wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 2013-05-24T00:00:00Z), and the ways a signature fails.
@Suite struct SignatureV4Tests {
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// 2013-05-24T00:00:00Z
    static let signedAt = Date(timeIntervalSince1970: 1_369_353_600)

    static func secretFor(_ key: String) -> String? { key == accessKey ? secret : nil }

    func verify(_ r: SignedRequest) throws(S3Error) -> VerifiedSignature {
        try SignatureV4.verify(r, secretFor: Self.secretFor)
    }

    /// The GET Object example: the first 10 bytes of test.txt.
    static func getObject(
        signature: String = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        authorization: String? = nil, now: Date = signedAt.addingTimeInterval(60), path: String = "/test.txt"
    ) -> SignedRequest {
        let auth = authorization
            ?? "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=\(signature)"
        return SignedRequest(
            method: "GET", path: path, query: nil,
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Authorization", auth),
                ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", emptySHA),
                ("x-amz-date", "20130524T000000Z"),
            ],
            now: now)
    }

    // MARK: - Published examples

    @Test func getObjectExample() throws {
        let v = try verify(Self.getObject())
        #expect(v.accessKey == Self.accessKey)
        #expect(v.seedSignature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(v.scope == "20130524/us-east-1/s3/aws4_request")
        #expect(v.amzDate == "20130524T000000Z")
        #expect(v.signingKey == SignatureV4.signingKey(secret: Self.secret, date: "20130524", region: "us-east-1"))
        #expect(try RequestAuthenticator.authenticate(Self.getObject(), secretFor: Self.secretFor) == .v4(v))
    }

    @Test func getObjectCanonicalRequestAndStringToSign() {
        let canonical = SignatureV4.canonicalRequest(
            Self.getObject(), signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"], excludingQuery: nil, payloadHash: Self.emptySHA)
        #expect(canonical == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(SignatureV4.stringToSign(amzDate: "20130524T000000Z", scope: "20130524/us-east-1/s3/aws4_request", canonicalRequest: canonical) == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
    }

    /// The PUT Object example: a `$` in the key, signed as `%24` whether or not the client encoded it.
    @Test(arguments: ["/test$file.text", "/test%24file.text", "/test%24file%2etext"])
    func putObjectExample(path: String) throws {
        let r = SignedRequest(
            method: "PUT", path: path,
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
                ("x-amz-date", "20130524T000000Z"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
                ("Content-Length", "21"),
            ],
            now: Self.signedAt)
        #expect(try verify(r).accessKey == Self.accessKey)
    }

    /// The GET Bucket Lifecycle example (a bare `?lifecycle` signs as `lifecycle=`) and the List
    /// Objects example (`?max-keys=2&prefix=J`).
    @Test(arguments: [
        ("lifecycle", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        ("max-keys=2&prefix=J", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
        ("prefix=J&max-keys=2", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ])
    func bucketExamples(query: String, signature: String) throws {
        let r = SignedRequest(
            method: "GET", path: "/", query: query,
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("x-amz-date", "20130524T000000Z"),
                ("x-amz-content-sha256", Self.emptySHA),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=\(signature)"),
            ],
            now: Self.signedAt)
        #expect(try verify(r).seedSignature == signature)
    }

    static let presignedQuery =
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

    static func presigned(query: String = presignedQuery, now: Date = signedAt.addingTimeInterval(3600), extraHeaders: [(name: String, value: String)] = []) -> SignedRequest {
        SignedRequest(method: "GET", path: "/test.txt", query: query, headers: [("Host", "examplebucket.s3.amazonaws.com")] + extraHeaders, now: now)
    }

    /// The presigned URL example: GET test.txt, valid 86400 seconds.
    @Test func presignedExample() throws {
        let v = try verify(Self.presigned())
        #expect(v.seedSignature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(try RequestAuthenticator.authenticate(Self.presigned(), secretFor: Self.secretFor) == .v4(v))
        // Parameter order does not matter; unsigned headers do not matter.
        let reordered = Self.presignedQuery.split(separator: "&").reversed().joined(separator: "&")
        #expect(try verify(Self.presigned(query: reordered, extraHeaders: [("User-Agent", "curl")])).accessKey == Self.accessKey)
        // Still valid at the last second.
        #expect(try verify(Self.presigned(now: Self.signedAt.addingTimeInterval(86400))).accessKey == Self.accessKey)
    }

    // MARK: - Failures

    @Test func tamperedSignature() throws {
        let bad = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb42"
        let e = s3Error { try verify(Self.getObject(signature: bad)) }
        #expect(e?.code == "SignatureDoesNotMatch")
        #expect(e?.status == 403)
        #expect(e?.field("SignatureProvided") == bad)
        #expect(e?.field("AWSAccessKeyId") == Self.accessKey)
        #expect(e?.field("StringToSign")?.hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972") == true)
        #expect(e?.field("CanonicalRequest")?.hasPrefix("GET\n/test.txt\n\nhost:") == true)
        // A short signature, an upper-case copy of the right one, a tampered request.
        #expect(s3Error { try verify(Self.getObject(signature: "f0e8")) }?.code == "SignatureDoesNotMatch")
        #expect(try verify(Self.getObject(signature: "F0E8BDB87C964420E857BD35B5D6ED310BD44F0170ABA48DD91039C6036BDB41")).accessKey == Self.accessKey)
        #expect(s3Error { try verify(Self.getObject(path: "/test2.txt")) }?.code == "SignatureDoesNotMatch")
        var r = Self.getObject()
        r.headers[2].value = "bytes=0-10"
        #expect(s3Error { try verify(r) }?.code == "SignatureDoesNotMatch")
        r = Self.getObject()
        r.method = "DELETE"
        #expect(s3Error { try verify(r) }?.code == "SignatureDoesNotMatch")
        r = Self.getObject()
        r.query = "versionId=1"
        #expect(s3Error { try verify(r) }?.code == "SignatureDoesNotMatch")
    }

    /// An `x-amz-*` header that is not signed could have been added to a replayed request.
    @Test func unsignedAmzHeaders() throws {
        var r = Self.getObject()
        r.headers.append(("X-Amz-Meta-Injected", "1"))
        r.headers.append(("x-amz-acl", "public-read"))
        let e = s3Error { try verify(r) }
        #expect(e?.code == "AccessDenied")
        #expect(e?.field("HeadersNotSigned") == "x-amz-meta-injected, x-amz-acl")
        #expect(s3Error { try verify(Self.presigned(extraHeaders: [("x-amz-copy-source", "/b/k")])) }?.code == "AccessDenied")
        // Other unsigned headers are fine, and so is x-amz-content-sha256 with a presigned URL.
        r = Self.getObject()
        r.headers.append(("User-Agent", "test"))
        #expect(try verify(r).accessKey == Self.accessKey)
        #expect(try verify(Self.presigned(extraHeaders: [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")])).accessKey == Self.accessKey)
    }

    @Test func wrongSecret() {
        let e = s3Error { try SignatureV4.verify(Self.getObject(), secretFor: { _ in "another secret" }) }
        #expect(e?.code == "SignatureDoesNotMatch")
    }

    @Test func unknownAccessKey() {
        let e = s3Error { try SignatureV4.verify(Self.getObject(), secretFor: { _ in nil }) }
        #expect(e?.code == "InvalidAccessKeyId")
        #expect(e?.status == 403)
        #expect(e?.field("AWSAccessKeyId") == Self.accessKey)
        #expect(s3Error { try SignatureV4.verify(Self.presigned(), secretFor: { _ in nil }) }?.code == "InvalidAccessKeyId")
    }

    @Test func skewedClock() throws {
        #expect(try verify(Self.getObject(now: Self.signedAt.addingTimeInterval(900))).accessKey == Self.accessKey)
        #expect(try verify(Self.getObject(now: Self.signedAt.addingTimeInterval(-900))).accessKey == Self.accessKey)
        for offset: TimeInterval in [901, -901, 86400] {
            let e = s3Error { try verify(Self.getObject(now: Self.signedAt.addingTimeInterval(offset))) }
            #expect(e?.code == "RequestTimeTooSkewed")
            #expect(e?.status == 403)
            #expect(e?.field("RequestTime") == "20130524T000000Z")
            #expect(e?.field("MaxAllowedSkewMilliseconds") == "900000")
        }
    }

    @Test func expiredPresignedURL() {
        let e = s3Error { try verify(Self.presigned(now: Self.signedAt.addingTimeInterval(86401))) }
        #expect(e?.code == "AccessDenied")
        #expect(e?.message == "Request has expired")
        #expect(e?.field("Expires") == "2013-05-25T00:00:00.000Z")
        // Signed more than 15 minutes in the future.
        #expect(s3Error { try verify(Self.presigned(now: Self.signedAt.addingTimeInterval(-901))) }?.code == "RequestTimeTooSkewed")
    }

    @Test(arguments: ["604801", "0", "-1", "abc", ""])
    func badExpires(_ expires: String) {
        let q = Self.presignedQuery.replacingOccurrences(of: "X-Amz-Expires=86400", with: "X-Amz-Expires=\(expires)")
        #expect(s3Error { try verify(Self.presigned(query: q)) }?.code == "AuthorizationQueryParametersError")
    }

    @Test func sevenDaysIsTheLongestExpiry() {
        // Within limits, so only the signature fails.
        let q = Self.presignedQuery.replacingOccurrences(of: "X-Amz-Expires=86400", with: "X-Amz-Expires=604800")
        #expect(s3Error { try verify(Self.presigned(query: q)) }?.code == "SignatureDoesNotMatch")
    }

    @Test func malformedPresignedQuery() {
        let missing = Self.presignedQuery.replacingOccurrences(of: "&X-Amz-SignedHeaders=host", with: "")
        #expect(s3Error { try verify(Self.presigned(query: missing)) }?.code == "AuthorizationQueryParametersError")
        let alg = Self.presignedQuery.replacingOccurrences(of: "X-Amz-Algorithm=AWS4-HMAC-SHA256", with: "X-Amz-Algorithm=AWS4-HMAC-SHA1")
        #expect(s3Error { try verify(Self.presigned(query: alg)) }?.code == "AuthorizationQueryParametersError")
        let date = Self.presignedQuery.replacingOccurrences(of: "X-Amz-Date=20130524T000000Z", with: "X-Amz-Date=2013-05-24")
        #expect(s3Error { try verify(Self.presigned(query: date)) }?.code == "AuthorizationQueryParametersError")
        let service = Self.presignedQuery.replacingOccurrences(of: "%2Fs3%2F", with: "%2Fec2%2F")
        #expect(s3Error { try verify(Self.presigned(query: service)) }?.code == "AuthorizationQueryParametersError")
        let scopeDate = Self.presignedQuery.replacingOccurrences(of: "%2F20130524%2F", with: "%2F20130525%2F")
        #expect(s3Error { try verify(Self.presigned(query: scopeDate)) }?.code == "AuthorizationQueryParametersError")
    }

    @Test(arguments: [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,Signature=abc",
        "AWS4-HMAC-SHA256 SignedHeaders=host,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3,SignedHeaders=host,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2013-05-24/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws5_request,SignedHeaders=host,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc,Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc,Foo=bar",
        // The scope's date is not the request's.
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130525/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc",
    ])
    func malformedHeader(_ authorization: String) {
        let e = s3Error { try verify(Self.getObject(authorization: authorization)) }
        #expect(e?.code == "AuthorizationHeaderMalformed")
        #expect(e?.status == 400)
    }

    /// Spaces, commas and tabs between the parts, in any mix and order; any region.
    @Test(arguments: [
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=SIG",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request SignedHeaders=host;range;x-amz-content-sha256;x-amz-date Signature=SIG",
        "  AWS4-HMAC-SHA256\tSignature=SIG ,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,,Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request ",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=x-amz-date;host;X-Amz-Content-Sha256;range,Signature=SIG",
    ])
    func headerVariations(_ template: String) throws {
        let auth = template.replacingOccurrences(of: "SIG", with: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(try verify(Self.getObject(authorization: auth)).accessKey == Self.accessKey)
    }

    @Test func anyRegionIsAccepted() throws {
        let key = SignatureV4.signingKey(secret: Self.secret, date: "20130524", region: "pachyderm-1")
        let r = Self.getObject(authorization: "")
        let canonical = SignatureV4.canonicalRequest(
            r, signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"], excludingQuery: nil, payloadHash: Self.emptySHA)
        let sts = SignatureV4.stringToSign(amzDate: "20130524T000000Z", scope: "20130524/pachyderm-1/s3/aws4_request", canonicalRequest: canonical)
        let sig = AWSSigning.hex(AWSSigning.hmacSHA256(key: key, sts))
        let auth = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/pachyderm-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=\(sig)"
        let v = try verify(Self.getObject(authorization: auth))
        #expect(v.scope == "20130524/pachyderm-1/s3/aws4_request")
        #expect(v.signingKey == key)
    }

    @Test func missingDateOrPayloadHash() {
        var r = Self.getObject()
        r.headers.removeAll { $0.name == "x-amz-date" }
        #expect(s3Error { try verify(r) }?.code == "AccessDenied")
        r = Self.getObject()
        r.headers[4].value = "yesterday"
        #expect(s3Error { try verify(r) }?.code == "AccessDenied")
        r = Self.getObject()
        r.headers.removeAll { $0.name == "x-amz-content-sha256" }
        #expect(s3Error { try verify(r) }?.code == "InvalidRequest")
    }

    @Test func unsignedRequestIsRefused() {
        let r = SignedRequest(method: "GET", path: "/", headers: [("Host", "h")], now: Self.signedAt)
        #expect(s3Error { try verify(r) }?.code == "AccessDenied")
    }

    // MARK: - Canonical forms

    @Test func canonicalURI() {
        #expect(SignatureV4.canonicalURI("") == "/")
        #expect(SignatureV4.canonicalURI("/") == "/")
        #expect(SignatureV4.canonicalURI("/bucket/a b") == "/bucket/a%20b")
        #expect(SignatureV4.canonicalURI("/bucket/a%20b") == "/bucket/a%20b")
        #expect(SignatureV4.canonicalURI("/bucket/a+b") == "/bucket/a%2Bb")
        #expect(SignatureV4.canonicalURI("/bucket/a%2bb*%2a") == "/bucket/a%2Bb%2A%2A")
        #expect(SignatureV4.canonicalURI("/bucket/%7Euser/%41") == "/bucket/~user/A")
        // %2F stays a character of the segment; '/' is kept; empty segments and dots survive.
        #expect(SignatureV4.canonicalURI("/bucket/a%2Fb//./../c/") == "/bucket/a%2Fb//./../c/")
        #expect(SignatureV4.canonicalURI("/bucket/caf%C3%A9/é") == "/bucket/caf%C3%A9/%C3%A9")
        #expect(SignatureV4.canonicalURI("/bucket/100%") == "/bucket/100%25")
    }

    @Test func canonicalQuery() {
        #expect(SignatureV4.canonicalQuery(nil, excluding: nil) == "")
        #expect(SignatureV4.canonicalQuery("", excluding: nil) == "")
        #expect(SignatureV4.canonicalQuery("uploads", excluding: nil) == "uploads=")
        #expect(SignatureV4.canonicalQuery("b=2&a=1&a=0&c", excluding: nil) == "a=0&a=1&b=2&c=")
        #expect(SignatureV4.canonicalQuery("prefix=a b&x=%7e*&y=a+b&z=a%2bb", excluding: nil) == "prefix=a%20b&x=~%2A&y=a%20b&z=a%2Bb")
        #expect(SignatureV4.canonicalQuery("delimiter=/&k=caf%C3%A9", excluding: nil) == "delimiter=%2F&k=caf%C3%A9")
        // Upper case sorts before lower case (code point order).
        #expect(SignatureV4.canonicalQuery("a=1&B=2&X-Amz-Signature=s", excluding: "X-Amz-Signature") == "B=2&a=1")
    }

    @Test func canonicalHeaders() {
        let r = SignedRequest(
            method: "GET", path: "/",
            headers: [("Host", "h"), ("X-Amz-Meta-A", "  one   two\tthree  "), ("x-amz-meta-a", "four"), ("X-Other", "x")],
            now: Self.signedAt)
        #expect(SignatureV4.canonicalHeaders(r, signedHeaders: ["host", "x-amz-meta-a", "x-missing"]) == "host:h\nx-amz-meta-a:one two three,four\nx-missing:\n")
    }

    @Test func amzDates() {
        #expect(AWSSigning.parseAmzDate("20130524T000000Z") == Self.signedAt)
        #expect(AWSSigning.amzDate(Self.signedAt) == "20130524T000000Z")
        #expect(AWSSigning.amzDate(sampleDate) == "20261125T101257Z")
        #expect(AWSSigning.parseAmzDate("20261125T101257Z") == sampleDate)
        for bad in ["", "20130524", "20130524T000000", "20130524T240000Z", "20130230T000000Z", "2013052AT000000Z", "20130524 000000Z"] {
            #expect(AWSSigning.parseAmzDate(bad) == nil)
        }
    }
}
