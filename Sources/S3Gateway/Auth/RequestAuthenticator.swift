/// Picks a request's signing scheme and verifies it: SigV4 or SigV2, header or presigned query, or
/// none at all (anonymous). What an anonymous request may do is the caller's business.
public enum RequestAuthenticator {
    /// Who a request proved to be.
    public enum Identity: Sendable, Hashable {
        /// No signature: no `Authorization` header and no presigned query.
        case anonymous
        /// A valid Signature Version 4 (header or presigned); carries what streaming chunk checks need.
        case v4(VerifiedSignature)
        /// A valid Signature Version 2 (header or presigned), by this access key.
        case v2(accessKey: String)

        /// The access key the request was signed with; nil for anonymous.
        public var accessKey: String? {
            switch self {
            case .anonymous: nil
            case .v4(let s): s.accessKey
            case .v2(let k): k
            }
        }
    }

    /// The signing scheme a request uses, read from its `Authorization` header and query alone.
    enum Scheme: Equatable {
        case anonymous, v4Header, v4Presigned, v2Header, v2Presigned
    }

    /// Verifies the request's signature, whichever scheme it uses.
    ///
    /// - `Authorization: AWS4-HMAC-SHA256 …` → SigV4; `Authorization: AWS …` → SigV2; another
    ///   `Authorization` → `InvalidArgument` "Unsupported Authorization Type".
    /// - `X-Amz-Algorithm` in the query → SigV4 presigned; `AWSAccessKeyId` or `Signature` → SigV2 presigned.
    /// - A header and a presigned query together → `InvalidArgument`.
    /// - Neither → ``Identity/anonymous``.
    ///
    /// - Parameter secretFor: the secret key of an access key, nil when the key is unknown.
    public static func authenticate(_ request: SignedRequest, secretFor: (String) -> String?) throws(S3Error) -> Identity {
        switch try scheme(of: request) {
        case .anonymous:
            return .anonymous
        case .v4Header:
            return .v4(try SignatureV4.verifyHeader(request, authorization: request.header("authorization")!, secretFor: secretFor))
        case .v4Presigned:
            return .v4(try SignatureV4.verifyPresigned(request, secretFor: secretFor))
        case .v2Header:
            return .v2(accessKey: try SignatureV2.verifyHeader(request, authorization: request.header("authorization")!, secretFor: secretFor))
        case .v2Presigned:
            return .v2(accessKey: try SignatureV2.verifyPresigned(request, secretFor: secretFor))
        }
    }

    /// The access key a request claims to be signed with, read without verifying anything; nil when it
    /// is unsigned or its signature is too malformed to name one. Use it to look the secret up
    /// asynchronously before the synchronous ``authenticate(_:secretFor:)``.
    public static func claimedAccessKey(_ request: SignedRequest) -> String? {
        switch try? scheme(of: request) {
        case .v4Header:
            return try? SignatureV4.parseAuthorization(request.header("authorization")!).credential.accessKey
        case .v4Presigned:
            return request.queryValue("X-Amz-Credential").flatMap { try? SignatureV4.parseCredential($0).accessKey }
        case .v2Header:
            return try? SignatureV2.parseAuthorization(request.header("authorization")!).accessKey
        case .v2Presigned:
            return request.queryValue("AWSAccessKeyId").flatMap { $0.isEmpty ? nil : $0 }
        case .anonymous, nil:
            return nil
        }
    }

    /// The scheme of a request, or `InvalidArgument` for an unknown `Authorization` type or for two
    /// mechanisms at once.
    static func scheme(of request: SignedRequest) throws(S3Error) -> Scheme {
        let auth = request.header("authorization").flatMap { $0.trimmingSpaces().isEmpty ? nil : $0 }
        let names = Set(request.queryParameters.map(\.name))
        let presigned: Scheme? =
            if names.contains("X-Amz-Algorithm") { .v4Presigned }
            else if names.contains("AWSAccessKeyId") || names.contains("Signature") { .v2Presigned }
            else { nil }
        guard let auth else { return presigned ?? .anonymous }
        if presigned != nil {
            throw S3Error.invalidArgument(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
                name: "Authorization", value: auth)
        }
        if SignatureV4.isV4Header(auth) { return .v4Header }
        if SignatureV2.isV2Header(auth) { return .v2Header }
        throw S3Error.invalidArgument("Unsupported Authorization Type", name: "Authorization", value: auth)
    }
}
