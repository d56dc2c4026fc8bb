import Foundation
import Testing
@testable import S3Gateway

/// The AWS Signature Version 2 examples of the S3 docs ("Signing and authenticating REST requests",
/// secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY), and the ways a signature fails.
@Suite struct SignatureV2Tests {
    static let accessKey = "AKIAIOSFODNN7EXAMPLE"

    func verify(_ r: SignedRequest) throws(S3Error) -> String {
        try SignatureV2.verify(r, secretFor: SignatureV4Tests.secretFor)
    }

    /// `Tue, 27 Mar 2007 19:36:42 +0000`
    static let puppyDate = Date(timeIntervalSince1970: 1_175_024_202)

    /// The Object GET example: GET /photos/puppy.jpg from awsexamplebucket1.
    static func getPuppy(
        signature: String = "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=", now: Date = puppyDate.addingTimeInterval(30), virtualHost: Bool = false,
        authorization: String? = nil
    ) -> SignedRequest {
        SignedRequest(
            method: "GET", path: virtualHost ? "/photos/puppy.jpg" : "/awsexamplebucket1/photos/puppy.jpg",
            headers: [
                ("Host", virtualHost ? "awsexamplebucket1.us-west-1.s3.amazonaws.com" : "s3.us-west-1.amazonaws.com"),
                ("Date", "Tue, 27 Mar 2007 19:36:42 +0000"),
                ("Authorization", authorization ?? "AWS \(accessKey):\(signature)"),
            ],
            now: now, virtualHostBucket: virtualHost ? "awsexamplebucket1" : nil)
    }

    @Test func objectGetExample() throws {
        #expect(SignatureV2.stringToSign(Self.getPuppy(), dateLine: "Tue, 27 Mar 2007 19:36:42 +0000") == "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg")
        #expect(try verify(Self.getPuppy()) == Self.accessKey)
        #expect(try verify(Self.getPuppy(virtualHost: true)) == Self.accessKey)
        #expect(try RequestAuthenticator.authenticate(Self.getPuppy(), secretFor: SignatureV4Tests.secretFor) == .v2(accessKey: Self.accessKey))
        #expect(try verify(Self.getPuppy(authorization: "AWS  \(Self.accessKey):qgk2+6Sv9/oM7G3qLEjTH1a1l1g= ")) == Self.accessKey)
    }

    /// The Object PUT example: a Content-Type is signed.
    @Test func objectPutExample() throws {
        let r = SignedRequest(
            method: "PUT", path: "/photos/puppy.jpg",
            headers: [
                ("Content-Type", "image/jpeg"),
                ("Content-Length", "94328"),
                ("Host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"),
                ("Date", "Tue, 27 Mar 2007 21:15:45 +0000"),
                ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:iqRzw+ileNPu1fhspnRs8nOjjIA="),
            ],
            now: Self.puppyDate.addingTimeInterval(6000), virtualHostBucket: "awsexamplebucket1")
        #expect(try verify(r) == Self.accessKey)
    }

    /// The List example (the listing parameters are not signed) and the Fetch example (`?acl` is).
    @Test func listAndFetchExamples() throws {
        let list = SignedRequest(
            method: "GET", path: "/", query: "prefix=photos&max-keys=50&marker=puppy",
            headers: [
                ("User-Agent", "Mozilla/5.0"), ("Host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"),
                ("Date", "Tue, 27 Mar 2007 19:42:41 +0000"), ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:m0WP8eCtspQl5Ahe6L1SozdX9YA="),
            ],
            now: Self.puppyDate.addingTimeInterval(400), virtualHostBucket: "awsexamplebucket1")
        #expect(try verify(list) == Self.accessKey)
        let acl = SignedRequest(
            method: "GET", path: "/", query: "acl",
            headers: [
                ("Host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"),
                ("Date", "Tue, 27 Mar 2007 19:44:46 +0000"), ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:82ZHiFIjc+WbcwFKGUVEQspPn+0="),
            ],
            now: Self.puppyDate.addingTimeInterval(400), virtualHostBucket: "awsexamplebucket1")
        #expect(SignatureV2.canonicalResource(acl, decodeSubresources: true) == "/awsexamplebucket1/?acl")
        #expect(try verify(acl) == Self.accessKey)
    }

    /// The Upload example: canonical `x-amz-` headers (lower-cased, sorted, repeated names joined).
    /// The bucket is a CNAME, so the whole host is the bucket.
    @Test func uploadExample() throws {
        let r = SignedRequest(
            method: "PUT", path: "/db-backup.dat.gz",
            headers: [
                ("User-Agent", "curl/7.15.5"), ("Host", "static.example.com:8080"),
                ("Date", "Tue, 27 Mar 2007 21:06:08 +0000"),
                ("x-amz-acl", "public-read"),
                ("content-type", "application/x-download"),
                ("Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="),
                ("X-Amz-Meta-ReviewedBy", "joe@example.com"),
                ("X-Amz-Meta-ReviewedBy", "jane@example.com"),
                ("X-Amz-Meta-FileChecksum", "0x02661779"),
                ("X-Amz-Meta-ChecksumAlgorithm", "crc32"),
                ("Content-Disposition", "attachment; filename=database.dat"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", "5913339"),
                ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:jtBQa0Aq+DkULFI8qrpwIjGEx0E="),
            ],
            now: Self.puppyDate.addingTimeInterval(5400), virtualHostBucket: "static.example.com")
        #expect(SignatureV2.canonicalAmzHeaders(r) == "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\nx-amz-meta-reviewedby:joe@example.com,jane@example.com\n")
        #expect(try verify(r) == Self.accessKey)
    }

    /// The Delete example: with `x-amz-date`, the Date line is empty. (Expected value computed with
    /// Python's hmac from the documented string to sign.)
    @Test func deleteWithAmzDate() throws {
        let r = SignedRequest(
            method: "DELETE", path: "/awsexamplebucket1/photos/puppy.jpg",
            headers: [
                ("User-Agent", "dotnet"), ("Host", "s3.us-west-1.amazonaws.com"),
                ("Date", "Tue, 27 Mar 2007 21:20:27 +0000"),
                ("x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"),
                ("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:Ri1hpB1zpS9pGqR7y8kuNFCl4sE="),
            ],
            now: Self.puppyDate.addingTimeInterval(6000))
        #expect(SignatureV2.stringToSign(r, dateLine: "") == "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/awsexamplebucket1/photos/puppy.jpg")
        #expect(try verify(r) == Self.accessKey)
    }

    /// A presigned URL: the Date line is `Expires`. (Expected signature computed with Python's hmac.)
    static func presigned(query: String = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1No4mq5ETf02z8aet9voy6gui6E%3D&Expires=1175139620", now: Date = puppyDate) -> SignedRequest {
        SignedRequest(method: "GET", path: "/photos/puppy.jpg", query: query, headers: [("Host", "awsexamplebucket1.s3.us-west-1.amazonaws.com")], now: now, virtualHostBucket: "awsexamplebucket1")
    }

    @Test func presignedURL() throws {
        #expect(try verify(Self.presigned()) == Self.accessKey)
        #expect(try RequestAuthenticator.authenticate(Self.presigned(), secretFor: SignatureV4Tests.secretFor) == .v2(accessKey: Self.accessKey))
        // A '+' in the signature sent unencoded still works (base64 has no spaces).
        let r = Self.presigned(query: "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=1No4mq5ETf02z8aet9voy6gui6E=")
        #expect(try verify(r) == Self.accessKey)
        // Until the second of expiry, whatever the skew.
        #expect(try verify(Self.presigned(now: Date(timeIntervalSince1970: 1_175_139_620))) == Self.accessKey)
        #expect(try verify(Self.presigned(now: Date(timeIntervalSince1970: 1_000_000_000))) == Self.accessKey)
    }

    @Test func expiredPresignedURL() {
        let e = s3Error { try verify(Self.presigned(now: Date(timeIntervalSince1970: 1_175_139_621))) }
        #expect(e?.code == "AccessDenied")
        #expect(e?.message == "Request has expired")
        #expect(e?.status == 403)
    }

    @Test func badPresignedURLs() throws {
        #expect(s3Error { try verify(Self.presigned(query: "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620")) }?.code == "AccessDenied")
        #expect(s3Error { try verify(Self.presigned(query: "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x&Expires=soon")) }?.code == "AccessDenied")
        #expect(s3Error { try verify(Self.presigned(query: "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1No4mq5ETf02z8aet9voy6gui6E%3D&Expires=1175139621")) }?.code == "SignatureDoesNotMatch")
        #expect(s3Error { try verify(Self.presigned(query: "AWSAccessKeyId=NOBODY&Signature=1No4mq5ETf02z8aet9voy6gui6E%3D&Expires=1175139620")) }?.code == "InvalidAccessKeyId")
        // A signed sub-resource added to the URL.
        #expect(s3Error { try verify(Self.presigned(query: "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1No4mq5ETf02z8aet9voy6gui6E%3D&Expires=1175139620&acl")) }?.code == "SignatureDoesNotMatch")
        // An unsigned parameter added to the URL does not matter.
        #expect(try verify(Self.presigned(query: "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1No4mq5ETf02z8aet9voy6gui6E%3D&Expires=1175139620&x-id=GetObject")) == Self.accessKey)
    }

    @Test func tamperedSignature() {
        let e = s3Error { try verify(Self.getPuppy(signature: "qgk2+6Sv9/oM7G3qLEjTH1a1l1h=")) }
        #expect(e?.code == "SignatureDoesNotMatch")
        #expect(e?.field("StringToSign") == "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg")
        #expect(e?.field("SignatureProvided") == "qgk2+6Sv9/oM7G3qLEjTH1a1l1h=")
        var r = Self.getPuppy()
        r.path = "/awsexamplebucket1/photos/kitten.jpg"
        #expect(s3Error { try verify(r) }?.code == "SignatureDoesNotMatch")
        r = Self.getPuppy()
        r.headers.append(("x-amz-meta-extra", "1"))
        #expect(s3Error { try verify(r) }?.code == "SignatureDoesNotMatch")
    }

    @Test func wrongSecretAndUnknownKey() {
        #expect(s3Error { try SignatureV2.verify(Self.getPuppy(), secretFor: { _ in "nope" }) }?.code == "SignatureDoesNotMatch")
        let e = s3Error { try SignatureV2.verify(Self.getPuppy(), secretFor: { _ in nil }) }
        #expect(e?.code == "InvalidAccessKeyId")
        #expect(e?.field("AWSAccessKeyId") == Self.accessKey)
    }

    @Test func skewedClock() throws {
        #expect(try verify(Self.getPuppy(now: Self.puppyDate.addingTimeInterval(900))) == Self.accessKey)
        #expect(try verify(Self.getPuppy(now: Self.puppyDate.addingTimeInterval(-900))) == Self.accessKey)
        #expect(s3Error { try verify(Self.getPuppy(now: Self.puppyDate.addingTimeInterval(901))) }?.code == "RequestTimeTooSkewed")
        #expect(s3Error { try verify(Self.getPuppy(now: Self.puppyDate.addingTimeInterval(-901))) }?.code == "RequestTimeTooSkewed")
        var r = Self.getPuppy()
        r.headers.removeAll { $0.name == "Date" }
        #expect(s3Error { try verify(r) }?.code == "AccessDenied")
    }

    @Test(arguments: ["AWS ", "AWS AKIAIOSFODNN7EXAMPLE", "AWS :qgk2+6Sv9/oM7G3qLEjTH1a1l1g=", "AWS AKIAIOSFODNN7EXAMPLE:"])
    func malformedHeader(_ authorization: String) {
        let e = s3Error { try verify(Self.getPuppy(authorization: authorization)) }
        #expect(e?.code == "AuthorizationHeaderMalformed")
    }

    @Test func subresources() {
        let r = SignedRequest(
            method: "GET", path: "/b/k", query: "versionId=3&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&x-id=GetObject&uploadId=xyz&prefix=p&torrent",
            headers: [], now: Self.puppyDate)
        #expect(SignatureV2.canonicalResource(r, decodeSubresources: true) == "/b/k?response-content-disposition=attachment; filename=\"a b.txt\"&torrent&uploadId=xyz&versionId=3")
        #expect(SignatureV2.canonicalResource(r, decodeSubresources: false) == "/b/k?response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&torrent&uploadId=xyz&versionId=3")
    }

    /// Sub-resource values are signed decoded (AWS's rule) or as sent (what some clients do).
    @Test func subresourceValuesEitherWay() throws {
        let query = "response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&uploadId=xyz"
        // Computed with Python's hmac over the decoded form.
        let decodedSig = "Q6sdovKk2pYnzt2oYW1viMTx3y0="
        let r = Self.presigned(query: query + "&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=" + AWSSigning.uriEncode(decodedSig, keepSlash: false))
        #expect(try verify(r) == Self.accessKey)
        let rawSTS = "GET\n\n\n1175139620\n/awsexamplebucket1/photos/puppy.jpg?" + query
        let rawSig = AWSSigning.hmacSHA1Base64(key: SignatureV4Tests.secret, rawSTS)
        let r2 = Self.presigned(query: query + "&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=" + AWSSigning.uriEncode(rawSig, keepSlash: false))
        #expect(try verify(r2) == Self.accessKey)
    }

    @Test func numericZoneDates() {
        #expect(AWSSigning.parseHTTPDate("Tue, 27 Mar 2007 19:36:42 +0000") == Self.puppyDate)
        #expect(AWSSigning.parseHTTPDate("Tue, 27 Mar 2007 21:36:42 +0200") == Self.puppyDate)
        #expect(AWSSigning.parseHTTPDate("Tue, 27 Mar 2007 14:06:42 -0530") == Self.puppyDate)
        #expect(AWSSigning.parseHTTPDate("Tue, 27 Mar 2007 19:36:42 GMT") == Self.puppyDate)
        #expect(AWSSigning.parseHTTPDate("Tue, 27 Mar 2007 19:36:42 +2500") == nil)
        #expect(AWSSigning.parseHTTPDate("Tue, 27 Mar 2007 19:36:42 0000") == nil)
    }
}
