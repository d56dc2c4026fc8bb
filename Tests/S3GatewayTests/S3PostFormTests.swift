import Foundation
import NIOCore
import Testing

@testable import S3Gateway

@Suite struct S3PostFormTests {
    static let boundary = "----pachs3-boundary"

    static func body(_ fields: [(String, String)], file: [UInt8]?, fileName: String = "a.csv", after: [(String, String)] = []) -> [UInt8] {
        var out = ""
        for (name, value) in fields {
            out += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        var bytes = Array(out.utf8)
        if let file {
            bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
            bytes += file
            bytes += Array("\r\n".utf8)
        }
        for (name, value) in after {
            bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        bytes += Array("--\(boundary)--\r\n".utf8)
        return bytes
    }

    /// `bytes` as a body arriving `piece` bytes at a time.
    static func stream(_ bytes: [UInt8], piece: Int) -> AsyncStream<ByteBuffer> {
        AsyncStream { c in
            for start in stride(from: 0, to: bytes.count, by: piece) {
                c.yield(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + piece)]))
            }
            c.finish()
        }
    }

    @Test(arguments: [1, 7, 64, 100_000])
    func fieldsThenTheFileInAnyPieces(piece: Int) async throws {
        // Ends in most of a delimiter: only the whole one ends the file.
        let file = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) } + Array("\r\n--\(Self.boundary.dropLast(3))".utf8)
        let form = S3PostForm(body: Self.stream(Self.body([("key", "dir/${filename}"), ("Content-Type", "text/plain")], file: file, after: [("late", "x")]), piece: piece), boundary: Self.boundary)
        let fields = try await form.readFields()
        #expect(fields.value("KEY") == "dir/${filename}" && fields.value("content-type") == "text/plain")
        #expect(fields.fileName == "a.csv" && fields.fileContentType == "text/csv")
        #expect(fields.values.map(\.name) == ["key", "Content-Type"])  // the field after the file is ignored
        var got: [UInt8] = []
        while let b = try await form.nextFileBytes() { got += b.readableBytesView }
        #expect(got == file)
        try await form.drain()
    }

    @Test func aFormWithoutAFileOrCutShortIsRefused() async throws {
        let noFile = S3PostForm(body: Self.stream(Self.body([("key", "k")], file: nil), piece: 10), boundary: Self.boundary)
        await #expect(throws: S3Error.self) { _ = try await noFile.readFields() }
        var cut = Self.body([("key", "k")], file: Array(repeating: 7, count: 1000))
        cut.removeLast(200)
        let truncated = S3PostForm(body: Self.stream(cut, piece: 64), boundary: Self.boundary)
        _ = try await truncated.readFields()
        let error = await #expect(throws: S3Error.self) { while try await truncated.nextFileBytes() != nil {} }
        #expect(error?.code == "IncompleteBody")
    }

    @Test func fieldsOverTwentyKiBAreRefused() async throws {
        let form = S3PostForm(body: Self.stream(Self.body([("key", "k"), ("x-ignore-pad", String(repeating: "p", count: 21_000))], file: [1]), piece: 4096), boundary: Self.boundary)
        let error = await #expect(throws: S3Error.self) { _ = try await form.readFields() }
        #expect(error?.code == "InvalidArgument")
    }

    @Test func boundaries() {
        #expect(S3PostForm<AsyncStream<ByteBuffer>>.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(S3PostForm<AsyncStream<ByteBuffer>>.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(S3PostForm<AsyncStream<ByteBuffer>>.boundary(contentType: "multipart/form-data") == nil)
        #expect(S3PostForm<AsyncStream<ByteBuffer>>.boundary(contentType: "multipart/form-data; boundary=") == nil)
        #expect(S3PostForm<AsyncStream<ByteBuffer>>.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        #expect(S3PostForm<AsyncStream<ByteBuffer>>.boundary(contentType: nil) == nil)
    }
}

@Suite struct S3PostPolicyTests {
    static func encode(_ json: String) -> String { Data(json.utf8).base64EncodedString() }

    static let policy = encode("""
        {"expiration": "2030-01-01T00:00:00.000Z", "conditions": [{"bucket": "master.r"}, ["starts-with", "$key", "up/"],
         {"x-amz-meta-team": "data"}, ["content-length-range", 1, 1048576], ["starts-with", "$Content-Type", "image/"]]}
        """)

    @Test func aFormWithinThePolicyPasses() throws {
        let p = try S3PostPolicy(base64: Self.policy)
        #expect(p.contentLengthRange == 1...1_048_576)
        let fields = [("key", "up/a.png"), ("X-Amz-Meta-Team", "data"), ("Content-Type", "image/png"), ("policy", Self.policy), ("x-ignore-me", "1")]
        try p.check(fields.map { (name: $0.0, value: $0.1) }, bucket: "master.r", now: Date())
    }

    @Test func eachBrokenConditionIsNamed() throws {
        let p = try S3PostPolicy(base64: Self.policy)
        let good = [("key", "up/a.png"), ("x-amz-meta-team", "data"), ("Content-Type", "image/png")]
        func check(_ fields: [(String, String)], bucket: String = "master.r", now: Date = Date()) -> String? {
            do {
                try p.check(fields.map { (name: $0.0, value: $0.1) }, bucket: bucket, now: now)
                return nil
            } catch { return error.code + ": " + error.message }
        }
        #expect(check(good, bucket: "master.other")?.contains(#"["eq", "$bucket", "master.r"]"#) == true)
        #expect(check([("key", "down/a")] + good.dropFirst())?.contains("starts-with") == true)
        #expect(check(good.filter { $0.0 != "x-amz-meta-team" })?.hasPrefix("AccessDenied") == true)
        #expect(check(good + [("x-amz-meta-other", "1")])?.contains("Extra input fields: x-amz-meta-other") == true)
        #expect(check([("key", "up/a"), ("x-amz-meta-team", "data"), ("Content-Type", "image/png, text/plain")])?.contains("Content-Type") == true)
        #expect(check(good, now: Date(timeIntervalSince1970: 2_000_000_000)) == "AccessDenied: Invalid according to Policy: Policy expired.")
    }

    @Test(arguments: ["not base64!", encode("[]"), encode(#"{"conditions": []}"#), encode(#"{"expiration": "soon", "conditions": []}"#),
        encode(#"{"expiration": "2030-01-01T00:00:00Z"}"#), encode(#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["in", "$key", "x"]]}"#),
        encode(#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 10, 1]]}"#),
        encode(#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"a": "1", "b": "2"}]}"#)])
    func malformedPoliciesAreInvalidDocuments(_ text: String) {
        let error = #expect(throws: S3Error.self) { _ = try S3PostPolicy(base64: text) }
        #expect(error?.code == "InvalidPolicyDocument" && error?.status == 400)
    }

    @Test func signatures() throws {
        let policy = Self.policy
        let key = SignatureV4.signingKey(secret: "tok", date: "20301231", region: "us-east-1")
        let v4 = AWSSigning.hex(AWSSigning.hmacSHA256(key: key, policy))
        let fields = ["x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": "tok/20301231/us-east-1/s3/aws4_request", "x-amz-date": "20301231T000000Z",
            "x-amz-signature": v4]
        let secrets = { (k: String) in k == "tok" ? "tok" : nil }
        #expect(try S3PostSignature.verify(policy: policy, { fields[$0] }, secretFor: secrets) == "tok")
        #expect(throws: S3Error.self) { try S3PostSignature.verify(policy: policy + "x", { fields[$0] }, secretFor: secrets) }
        #expect(throws: S3Error.self) { try S3PostSignature.verify(policy: policy, { fields[$0] }, secretFor: { _ in nil }) }
        let v2 = ["awsaccesskeyid": "tok", "signature": AWSSigning.hmacSHA1Base64(key: "tok", policy)]
        #expect(try S3PostSignature.verify(policy: policy, { v2[$0] }, secretFor: secrets) == "tok")
        #expect(throws: S3Error.self) { try S3PostSignature.verify(policy: policy, { _ in nil }, secretFor: secrets) }
    }
}
