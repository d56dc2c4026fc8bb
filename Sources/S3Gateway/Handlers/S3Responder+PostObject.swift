import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PFS
import PFSClient

extension S3Responder {
    /// POST Object: an upload from an HTML form (a presigned POST). The form's fields are checked against its policy,
    /// and with auth on its signature against a token, before any of the file is stored; the file streams into one
    /// commit, held to the policy's content-length-range as it arrives.
    func postObject(_ name: String, request: Request) async throws -> Response {
        guard let boundary = S3PostForm<RequestBody>.boundary(contentType: request.headers[.contentType]) else {
            throw S3Error.preconditionFailed(condition: "Bucket POST must be of the enclosure-type multipart/form-data")
        }
        let form = S3PostForm(body: request.body, boundary: boundary)
        let fields = try await form.readFields()
        let field = { (n: String) in fields.value(n) }
        let policyText = fields.value("policy")
        if try await authState.isActive(client) {
            guard let policyText else { throw S3Error.accessDenied("Bucket POST must contain a policy and its signature when auth is on") }
            var secret: String?
            if let key = S3PostSignature.claimedAccessKey(field), try await client.subject(ofToken: key) != nil { secret = key }
            _ = try S3PostSignature.verify(policy: policyText, field) { $0 == secret ? secret : nil }
        }
        // Only now, as for every other call after its signature: whether the bucket exists is not for strangers.
        let bucket = try await writableBucket(name, method: "POST")
        var lengths: ClosedRange<UInt64>?
        if let policyText {
            let policy = try S3PostPolicy(base64: policyText)
            try policy.check(fields.values, bucket: name, now: Date())
            lengths = policy.contentLengthRange
        }
        guard let template = fields.value("key"), !template.isEmpty else {
            throw S3Error.invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", name: "key")
        }
        let key = template.replacingOccurrences(of: "${filename}", with: fields.fileName)
        if key.utf8.count > S3RequestParser.maxKeyLength { throw S3Error.keyTooLong(size: key.utf8.count) }
        // What a PUT would be refused, a form is refused too.
        if let (header, what) = S3RequestParser.unservedWriteHeaders.first(where: { field($0.header) != nil }) {
            throw S3Error.notImplemented("\(header): \(what)")
        }
        if let refusal = S3RequestParser.aclRefusal({ field($0 == "x-amz-acl" ? "acl" : $0) }) ?? S3RequestParser.storageClassRefusal(field) {
            throw refusal
        }
        let options = PutOptions(contentType: fields.value("content-type") ?? fields.fileContentType, metadata: Self.userMetadata(fields.values))
        let result: PutResult
        do {
            result = try await client.putFile(bucket.ref, path: key, from: S3PostFileStream(form: form, lengths: lengths), options: options)
        } catch let e as PFSError {
            throw S3Error(e, bucket: name, key: key)
        }
        try await form.drain()

        let etag = S3XMLResponses.quotedETag(result.etag)
        // As S3: the object's URL, on the host the form was posted to.
        let path = "/\(name)/\(AWSSigning.uriEncode(key, keepSlash: true))"
        let location = request.head.authority.map { "\(configuration.tls == nil ? "http" : "https")://\($0)\(path)" } ?? path
        var out = HTTPFields()
        out[.eTag] = etag
        out[HTTPField.Name("x-amz-version-id")!] = result.commit.rawValue
        out[.location] = location
        if let redirect = fields.value("success_action_redirect") ?? fields.value("redirect"),
            var parts = URLComponents(string: redirect), parts.scheme != nil
        {
            let added = [URLQueryItem(name: "bucket", value: name), URLQueryItem(name: "key", value: key), URLQueryItem(name: "etag", value: etag)]
            parts.queryItems = (parts.queryItems ?? []) + added
            if let target = parts.string {
                out[.location] = target
                return Self.empty(.seeOther, headers: out)
            }
        }
        switch fields.value("success_action_status") {
        case "200": return Self.empty(.ok, headers: out)
        case "201": return Self.xml(S3XMLResponses.postResponse(location: location, bucket: name, key: key, etag: result.etag), status: .created, headers: out)
        default: return Self.empty(.noContent, headers: out)
        }
    }
}

/// The file of a POST upload as the body of a put, held to the policy's content-length-range: past its maximum the
/// upload fails at once, short of its minimum at the end; either way nothing is committed.
struct S3PostFileStream<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    typealias Element = ByteBufferChunk
    let form: S3PostForm<Base>
    let lengths: ClosedRange<UInt64>?

    struct AsyncIterator: AsyncIteratorProtocol {
        let form: S3PostForm<Base>
        let lengths: ClosedRange<UInt64>?
        var count: UInt64 = 0

        mutating func next() async throws -> ByteBufferChunk? {
            guard let buffer = try await form.nextFileBytes() else {
                if let lengths, count < lengths.lowerBound {
                    throw S3Error.entityTooSmall(proposedSize: count, minSizeAllowed: lengths.lowerBound)
                }
                return nil
            }
            count += UInt64(buffer.readableBytes)
            if let lengths, count > lengths.upperBound { throw S3Error.entityTooLarge(proposedSize: count, maxSizeAllowed: lengths.upperBound) }
            return ByteBufferChunk(buffer)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(form: form, lengths: lengths) }
}
