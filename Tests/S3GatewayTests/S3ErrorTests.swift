import PFS
import Testing
@testable import S3Gateway

@Suite struct S3ErrorTests {
    @Test func codesAndStatuses() {
        let cases: [(S3Error, String, Int)] = [
            (.noSuchBucket("b"), "NoSuchBucket", 404),
            (.noSuchKey("k"), "NoSuchKey", 404),
            (.noSuchVersion(key: "k", versionId: "v"), "NoSuchVersion", 404),
            (.noSuchUpload("u"), "NoSuchUpload", 404),
            (.bucketAlreadyOwnedByYou("b"), "BucketAlreadyOwnedByYou", 409),
            (.bucketAlreadyExists("b"), "BucketAlreadyExists", 409),
            (.bucketNotEmpty("b"), "BucketNotEmpty", 409),
            (.invalidBucketName("B"), "InvalidBucketName", 400),
            (.invalidArgument("m"), "InvalidArgument", 400),
            (.invalidRange(size: 10), "InvalidRange", 416),
            (.invalidPartNumber(), "InvalidPartNumber", 416),
            (.invalidDigest(), "InvalidDigest", 400),
            (.badDigest(), "BadDigest", 400),
            (.contentSHA256Mismatch(clientComputed: "a", computed: "b"), "XAmzContentSHA256Mismatch", 400),
            (.malformedXML(), "MalformedXML", 400),
            (.missingContentLength(), "MissingContentLength", 411),
            (.missingRequestBody(), "MissingRequestBodyError", 400),
            (.entityTooSmall(), "EntityTooSmall", 400),
            (.entityTooLarge(), "EntityTooLarge", 400),
            (.keyTooLong(), "KeyTooLongError", 400),
            (.invalidPart(), "InvalidPart", 400),
            (.invalidPartOrder(), "InvalidPartOrder", 400),
            (.preconditionFailed(), "PreconditionFailed", 412),
            (.notModified(), "NotModified", 304),
            (.methodNotAllowed(), "MethodNotAllowed", 405),
            (.notImplemented(), "NotImplemented", 501),
            (.accessDenied(), "AccessDenied", 403),
            (.requestExpired(), "AccessDenied", 403),
            (.expiredToken(), "ExpiredToken", 400),
            (.signatureDoesNotMatch(), "SignatureDoesNotMatch", 403),
            (.invalidAccessKeyId(), "InvalidAccessKeyId", 403),
            (.requestTimeTooSkewed(), "RequestTimeTooSkewed", 403),
            (.authorizationHeaderMalformed(), "AuthorizationHeaderMalformed", 400),
            (.authorizationQueryParametersError("m"), "AuthorizationQueryParametersError", 400),
            (.invalidRequest("m"), "InvalidRequest", 400),
            (.incompleteBody(), "IncompleteBody", 400),
            (.invalidURI(), "InvalidURI", 400),
            (.illegalVersioningConfiguration(), "IllegalVersioningConfigurationException", 400),
            (.operationAborted(), "OperationAborted", 409),
            (.conditionalRequestConflict(), "ConditionalRequestConflict", 409),
            (.internalError(), "InternalError", 500),
            (.slowDown(), "SlowDown", 503),
            (.serviceUnavailable(), "ServiceUnavailable", 503),
        ]
        for (e, code, status) in cases {
            #expect(e.code == code)
            #expect(e.status == status)
            #expect(!e.message.isEmpty)
        }
    }

    @Test func messages() {
        #expect(S3Error.requestExpired().message == "Request has expired")
        #expect(S3Error.notImplemented("PUT ?acl").message == "PUT ?acl is not implemented by pachs3")
        #expect(S3Error.notImplemented(header: "If-None-Match").field("Header") == "If-None-Match")
        #expect(S3Error.invalidBucketName("x", reason: "Too short.").message == "The specified bucket is not valid. Too short.")
        #expect(S3Error.authorizationHeaderMalformed("the region 'x' is wrong").message == "The authorization header is malformed; the region 'x' is wrong")
    }

    @Test func fieldsAndHeaders() {
        let r = S3Error.invalidRange(size: 10, requested: "bytes=20-")
        #expect(r.fields == [.init("RangeRequested", "bytes=20-"), .init("ActualObjectSize", "10")])
        #expect(r.headers == [.init("Content-Range", "bytes */10")])
        #expect(S3Error.noSuchBucket("b").field("BucketName") == "b")
        #expect(S3Error.preconditionFailed(condition: "If-Match").field("Condition") == "If-Match")
        #expect(S3Error.requestTimeTooSkewed().field("MaxAllowedSkewMilliseconds") == "900000")
        #expect(S3Error.keyTooLong(size: 1025).fields == [.init("Size", "1025"), .init("MaxSizeAllowed", "1024")])
        #expect(S3Error.accessDenied().adding("X", "y").field("X") == "y")
    }

    @Test func bodyPresence() {
        #expect(!S3Error.notModified().hasBody)
        #expect(S3Error.noSuchKey("k").hasBody)
    }

    @Test func describesItself() {
        #expect(S3Error.noSuchKey("k").description == "NoSuchKey (404): The specified key does not exist.")
    }

    @Test func mapsPFSNotFound() {
        #expect(S3Error(PFSError.notFound("x"), bucket: "b").code == "NoSuchBucket")
        #expect(S3Error(PFSError.notFound("x"), bucket: "b").field("BucketName") == "b")
        #expect(S3Error(PFSError.notFound("x"), bucket: "b", key: "k").code == "NoSuchKey")
        #expect(S3Error(PFSError.notFound("x"), bucket: "b", key: "k").field("Key") == "k")
        #expect(S3Error(PFSError.notFound("x"), bucket: "b", key: "k", notFound: .bucket).code == "NoSuchBucket")
        let v = S3Error(PFSError.notFound("x"), bucket: "b", key: "k", versionId: "v", notFound: .version)
        #expect(v.code == "NoSuchVersion")
        #expect(v.field("VersionId") == "v")
        #expect(S3Error(PFSError.notFound("x"), uploadId: "u", notFound: .upload).code == "NoSuchUpload")
    }

    @Test func mapsOtherPFSErrors() {
        #expect(S3Error(PFSError.alreadyExists("x"), bucket: "b").code == "BucketAlreadyOwnedByYou")
        #expect(S3Error(PFSError.alreadyExists("x"), bucket: "b", key: "k").code == "PreconditionFailed")
        let arg = S3Error(PFSError.invalidArgument("bad name"), bucket: "b")
        #expect(arg.code == "InvalidArgument")
        #expect(arg.message == "bad name")
        let pre = S3Error(PFSError.failedPrecondition("concurrent change"), bucket: "b")
        #expect(pre.code == "OperationAborted")
        #expect(pre.status == 409)
        #expect(pre.message == "concurrent change")
        let io = S3Error(PFSError.io("disk /var/x failed"))
        #expect(io.code == "InternalError")
        #expect(io.status == 500)
        #expect(!io.message.contains("/var/x"))
        #expect(S3Error(PFSError.corrupt("chunk")).code == "InternalError")
        let full = S3Error(PFSError.storageFull("write /var/x/blobs/tmp/y: No space left on device"), bucket: "b", key: "k")
        #expect(full.code == "XPachs3StorageFull")
        #expect(full.status == 507)
        #expect(!full.message.contains("/var/x"))
        let away = S3Error(PFSError.unavailable("cannot reach the pachs3 server at 10.0.0.1:30650: connection refused"), bucket: "b")
        #expect(away.code == "ServiceUnavailable")
        #expect(away.status == 503)
        #expect(!away.message.contains("10.0.0.1"))
        #expect(S3Error(PFSError.preconditionFailed("'k' already exists"), bucket: "b", key: "k").status == 412)
        let digest = S3Error(PFSError.badDigest("md5 differs"), bucket: "b", key: "k")
        #expect(digest.code == "BadDigest")
        #expect(digest.status == 400)
    }
}
