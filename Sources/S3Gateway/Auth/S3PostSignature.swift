/// The signature of an S3 POST upload: over the base64 policy itself, with SigV4 (`x-amz-algorithm`,
/// `x-amz-credential`, `x-amz-date`, `x-amz-signature`) or SigV2 (`AWSAccessKeyId`, `signature`) form fields.
enum S3PostSignature {
    /// The access key the form claims, if it names one.
    static func claimedAccessKey(_ value: (String) -> String?) -> String? {
        if let credential = value("x-amz-credential") { return try? SignatureV4.parseCredential(credential).accessKey }
        return value("awsaccesskeyid").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Verifies the form's signature of `policy`; returns the access key. AccessDenied without a signature,
    /// InvalidAccessKeyId for a key `secretFor` does not know, SignatureDoesNotMatch for a wrong signature.
    static func verify(policy: String, _ value: (String) -> String?, secretFor: (String) -> String?) throws(S3Error) -> String {
        if let provided = value("x-amz-signature") {
            guard value("x-amz-algorithm") == SignatureV4.algorithm else {
                throw .invalidArgument("Only AWS4-HMAC-SHA256 is supported", name: "x-amz-algorithm", value: value("x-amz-algorithm"))
            }
            guard let text = value("x-amz-credential"), value("x-amz-date") != nil else {
                throw .invalidArgument("Bucket POST with x-amz-signature must name x-amz-credential and x-amz-date", name: "x-amz-credential")
            }
            let credential: SignatureV4.Credential
            do {
                credential = try SignatureV4.parseCredential(text)
            } catch {
                throw .invalidArgument("Invalid credential: \(error.message)", name: "x-amz-credential", value: text)
            }
            guard let secret = secretFor(credential.accessKey) else { throw .invalidAccessKeyId(credential.accessKey) }
            let key = SignatureV4.signingKey(secret: secret, date: credential.date, region: credential.region, service: credential.service)
            let computed = AWSSigning.hex(AWSSigning.hmacSHA256(key: key, policy))
            guard AWSSigning.constantTimeEqual(computed, provided.lowercased()) else {
                throw .signatureDoesNotMatch(accessKeyId: credential.accessKey, stringToSign: policy, signatureProvided: provided)
            }
            return credential.accessKey
        }
        if let provided = value("signature") {
            guard let accessKey = value("awsaccesskeyid"), !accessKey.isEmpty else {
                throw .invalidArgument("Bucket POST with a signature must name AWSAccessKeyId", name: "AWSAccessKeyId")
            }
            guard let secret = secretFor(accessKey) else { throw .invalidAccessKeyId(accessKey) }
            guard AWSSigning.constantTimeEqual(AWSSigning.hmacSHA1Base64(key: secret, policy), provided) else {
                throw .signatureDoesNotMatch(accessKeyId: accessKey, stringToSign: policy, signatureProvided: provided)
            }
            return accessKey
        }
        throw .accessDenied("Bucket POST must be signed when auth is on: a policy and its signature")
    }
}
