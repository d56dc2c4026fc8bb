/// A configuration subresource of a bucket (`?cors`, `?policy`…) that pachs3 never has set, answered as S3 answers for
/// a bucket without one: reading most gives their own 404 (NoSuchBucketPolicy…), the rest a document saying what
/// holds (ownership BucketOwnerEnforced, logging off, the owner pays, the owner has full control); deleting one is
/// the no-op it is on S3 then. Setting one is NotImplemented: tools that read configuration before they work (SDK
/// bucket wrappers, S3 browsers, infrastructure tools) see the truth instead of an error.
public enum S3BucketConfiguration: String, CaseIterable, Sendable, Hashable {
    case acl, tagging, policy, policyStatus, cors, lifecycle, website, encryption
    case objectLock = "object-lock"
    case publicAccessBlock, ownershipControls, replication, logging, notification, requestPayment, accelerate

    /// The query parameter that names it.
    public var subresource: String { rawValue }

    /// The S3 API name of reading it.
    public var getName: String {
        switch self {
        case .acl: return "GetBucketAcl"
        case .tagging: return "GetBucketTagging"
        case .policy: return "GetBucketPolicy"
        case .policyStatus: return "GetBucketPolicyStatus"
        case .cors: return "GetBucketCors"
        case .lifecycle: return "GetBucketLifecycleConfiguration"
        case .website: return "GetBucketWebsite"
        case .encryption: return "GetBucketEncryption"
        case .objectLock: return "GetObjectLockConfiguration"
        case .publicAccessBlock: return "GetPublicAccessBlock"
        case .ownershipControls: return "GetBucketOwnershipControls"
        case .replication: return "GetBucketReplication"
        case .logging: return "GetBucketLogging"
        case .notification: return "GetBucketNotificationConfiguration"
        case .requestPayment: return "GetBucketRequestPayment"
        case .accelerate: return "GetBucketAccelerateConfiguration"
        }
    }

    /// The S3 API name of deleting it; nil where S3 has no such call.
    public var deleteName: String? {
        switch self {
        case .tagging: return "DeleteBucketTagging"
        case .policy: return "DeleteBucketPolicy"
        case .cors: return "DeleteBucketCors"
        case .lifecycle: return "DeleteBucketLifecycle"
        case .website: return "DeleteBucketWebsite"
        case .encryption: return "DeleteBucketEncryption"
        case .publicAccessBlock: return "DeletePublicAccessBlock"
        case .replication: return "DeleteBucketReplication"
        default: return nil
        }
    }

    /// The error S3 answers a read with when the bucket has none; nil where a document is answered.
    public func absence(bucket: String) -> S3Error? {
        let (code, message): (String, String)
        switch self {
        case .tagging: (code, message) = ("NoSuchTagSet", "The TagSet does not exist")
        case .policy, .policyStatus: (code, message) = ("NoSuchBucketPolicy", "The bucket policy does not exist")
        case .cors: (code, message) = ("NoSuchCORSConfiguration", "The CORS configuration does not exist")
        case .lifecycle: (code, message) = ("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
        case .website: (code, message) = ("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration")
        case .encryption: (code, message) = ("ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found")
        case .objectLock: (code, message) = ("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")
        case .publicAccessBlock: (code, message) = ("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
        case .replication: (code, message) = ("ReplicationConfigurationNotFoundError", "The replication configuration was not found")
        case .acl, .ownershipControls, .logging, .notification, .requestPayment, .accelerate: return nil
        }
        return .notConfigured(code, message, bucket: bucket)
    }
}
