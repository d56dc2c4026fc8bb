import Foundation
import Testing
@testable import S3Gateway

/// Which scheme a request uses, and the requests that use none or too many.
@Suite struct RequestAuthenticatorTests {
    func authenticate(_ r: SignedRequest) throws(S3Error) -> RequestAuthenticator.Identity {
        try RequestAuthenticator.authenticate(r, secretFor: SignatureV4Tests.secretFor)
    }

    func request(authorization: String? = nil, query: String? = nil) -> SignedRequest {
        var headers: [(name: String, value: String)] = [("Host", "h")]
        if let authorization { headers.append(("Authorization", authorization)) }
        return SignedRequest(method: "GET", path: "/b/k", query: query, headers: headers, now: SignatureV4Tests.signedAt)
    }

    @Test func schemes() throws {
        #expect(try RequestAuthenticator.scheme(of: request()) == .anonymous)
        #expect(try RequestAuthenticator.scheme(of: request(authorization: "  ")) == .anonymous)
        #expect(try RequestAuthenticator.scheme(of: request(query: "prefix=a&list-type=2")) == .anonymous)
        #expect(try RequestAuthenticator.scheme(of: request(authorization: "AWS4-HMAC-SHA256 Credential=x")) == .v4Header)
        #expect(try RequestAuthenticator.scheme(of: request(authorization: "AWS a:b")) == .v2Header)
        #expect(try RequestAuthenticator.scheme(of: request(query: "X-Amz-Algorithm=AWS4-HMAC-SHA256")) == .v4Presigned)
        #expect(try RequestAuthenticator.scheme(of: request(query: "AWSAccessKeyId=a&Signature=b&Expires=1")) == .v2Presigned)
        #expect(try RequestAuthenticator.scheme(of: request(query: "Signature=b")) == .v2Presigned)
    }

    @Test func anonymous() throws {
        let id = try authenticate(request(query: "acl"))
        #expect(id == .anonymous)
        #expect(id.accessKey == nil)
    }

    @Test func identities() throws {
        let v4 = try authenticate(SignatureV4Tests.getObject())
        #expect(v4.accessKey == SignatureV4Tests.accessKey)
        guard case .v4(let s) = v4 else {
            Issue.record("not v4")
            return
        }
        #expect(s.seedSignature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(try authenticate(SignatureV4Tests.presigned()).accessKey == SignatureV4Tests.accessKey)
        #expect(try authenticate(SignatureV2Tests.getPuppy()) == .v2(accessKey: SignatureV4Tests.accessKey))
        #expect(try authenticate(SignatureV2Tests.presigned()) == .v2(accessKey: SignatureV4Tests.accessKey))
    }

    @Test func claimedAccessKeys() {
        #expect(RequestAuthenticator.claimedAccessKey(SignatureV4Tests.getObject()) == SignatureV4Tests.accessKey)
        #expect(RequestAuthenticator.claimedAccessKey(SignatureV4Tests.getObject(signature: "bad")) == SignatureV4Tests.accessKey)
        #expect(RequestAuthenticator.claimedAccessKey(SignatureV4Tests.presigned()) == SignatureV4Tests.accessKey)
        #expect(RequestAuthenticator.claimedAccessKey(SignatureV2Tests.getPuppy()) == SignatureV4Tests.accessKey)
        #expect(RequestAuthenticator.claimedAccessKey(SignatureV2Tests.presigned()) == SignatureV4Tests.accessKey)
        #expect(RequestAuthenticator.claimedAccessKey(request()) == nil)
        #expect(RequestAuthenticator.claimedAccessKey(request(authorization: "AWS4-HMAC-SHA256 nonsense")) == nil)
        #expect(RequestAuthenticator.claimedAccessKey(request(authorization: "Bearer x")) == nil)
        // Looked up first, then passed in: the way an asynchronous token store is used.
        let r = SignatureV4Tests.getObject()
        let key = RequestAuthenticator.claimedAccessKey(r)
        let secret = key.flatMap(SignatureV4Tests.secretFor)
        #expect((try? RequestAuthenticator.authenticate(r, secretFor: { $0 == key ? secret : nil }))?.accessKey == key)
    }

    @Test func errorsPassThrough() {
        #expect(s3Error { try authenticate(SignatureV4Tests.getObject(signature: String(repeating: "0", count: 64))) }?.code == "SignatureDoesNotMatch")
        #expect(s3Error { try authenticate(request(query: "X-Amz-Algorithm=AWS4-HMAC-SHA256")) }?.code == "AuthorizationQueryParametersError")
        #expect(s3Error { try authenticate(request(query: "AWSAccessKeyId=a")) }?.code == "AccessDenied")
        #expect(s3Error { try authenticate(request(authorization: "AWS4-HMAC-SHA256 nonsense")) }?.code == "AuthorizationHeaderMalformed")
    }

    @Test func headerAndPresignedQueryTogether() {
        var r = SignatureV4Tests.getObject()
        r.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc"
        let e = s3Error { try authenticate(r) }
        #expect(e?.code == "InvalidArgument")
        #expect(e?.field("ArgumentName") == "Authorization")
        var v2 = SignatureV2Tests.getPuppy()
        v2.query = "AWSAccessKeyId=a&Signature=b&Expires=1"
        #expect(s3Error { try authenticate(v2) }?.code == "InvalidArgument")
    }

    @Test func unsupportedAuthorizationType() {
        let e = s3Error { try authenticate(request(authorization: "Bearer abc")) }
        #expect(e?.code == "InvalidArgument")
        #expect(e?.message == "Unsupported Authorization Type")
        #expect(s3Error { try authenticate(request(authorization: "AWS4-HMAC-SHA256X Credential=x")) }?.code == "InvalidArgument")
    }
}
