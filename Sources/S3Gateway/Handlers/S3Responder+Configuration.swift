import HTTPTypes
import Hummingbird
import PFS
import PFSClient

extension S3Responder {
    /// A bucket configuration pachs3 never has, answered as S3 answers for a bucket without it.
    func getBucketConfiguration(_ name: String, _ config: S3BucketConfiguration) async throws -> Response {
        _ = try await existingBucket(name)
        if let absent = config.absence(bucket: name) { throw absent }
        switch config {
        case .acl: return Self.xml(S3XMLResponses.accessControlPolicy(owner: Self.owner))
        case .ownershipControls: return Self.xml(S3XMLResponses.ownershipControls("BucketOwnerEnforced"))
        case .requestPayment: return Self.xml(S3XMLResponses.requestPaymentConfiguration(payer: "BucketOwner"))
        case .logging: return Self.xml(S3XMLResponses.emptyConfiguration("BucketLoggingStatus"))
        case .notification: return Self.xml(S3XMLResponses.emptyConfiguration("NotificationConfiguration"))
        case .accelerate: return Self.xml(S3XMLResponses.emptyConfiguration("AccelerateConfiguration"))
        default: throw S3Error.internalError()  // absence(bucket:) answered every other one
        }
    }

    /// Deleting a configuration the bucket does not have: nothing to do, as on S3.
    func deleteBucketConfiguration(_ name: String, _ config: S3BucketConfiguration) async throws -> Response {
        let bucket = try await existingBucket(name)
        if bucket.isReadOnly { throw S3Error.methodNotAllowed(method: "DELETE", resourceType: "BUCKET") }
        return Self.empty(.noContent)
    }

    /// An owner-only ACL, canned (the parser refused any other) or as a document granting the owner full control and
    /// nothing more (what GetObjectAcl answers, so a tool copying ACLs can put it back): what the bucket or object has.
    func putACL(_ name: String, key: String?, versionId: String?, request: Request) async throws -> Response {
        let body = request.body
        let document = try await body.collect(upTo: 64 * 1024)
        if document.readableBytes > 0 {
            let grants = try S3XMLRequests.parseAccessControlPolicy(Array(buffer: document))
            guard !grants.isEmpty, grants.allSatisfy({ $0.granteeID == Self.owner.id && $0.permission == "FULL_CONTROL" }) else {
                throw S3Error.accessControlListNotSupported()
            }
        }
        guard let key else {
            let bucket = try await existingBucket(name)
            if bucket.isReadOnly { throw S3Error.methodNotAllowed(method: "PUT", resourceType: "BUCKET") }
            return Self.empty(.ok)
        }
        _ = try await writableBucket(name, method: "PUT")
        let (_, _, entry) = try await readTarget(name, key: key, versionId: versionId)
        return Self.empty(.ok, headers: Self.versionHeader(entry))
    }

    func getObjectACL(_ name: String, _ key: String, versionId: String?) async throws -> Response {
        let (_, _, entry) = try await readTarget(name, key: key, versionId: versionId)
        return Self.xml(S3XMLResponses.accessControlPolicy(owner: Self.owner), headers: Self.versionHeader(entry))
    }

    /// No tags: pachs3 refuses to store any.
    func getObjectTagging(_ name: String, _ key: String, versionId: String?) async throws -> Response {
        let (_, _, entry) = try await readTarget(name, key: key, versionId: versionId)
        return Self.xml(S3XMLResponses.emptyTagging(), headers: Self.versionHeader(entry))
    }

    func deleteObjectTagging(_ name: String, _ key: String, versionId: String?) async throws -> Response {
        _ = try await writableBucket(name, method: "DELETE")
        let (_, _, entry) = try await readTarget(name, key: key, versionId: versionId)
        return Self.empty(.noContent, headers: Self.versionHeader(entry))
    }

    private static func versionHeader(_ entry: FileEntry) -> HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name("x-amz-version-id")!] = entry.commit.rawValue
        return headers
    }
}
