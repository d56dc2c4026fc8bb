import Foundation
@testable import S3Gateway

/// The S3 gateway's parsers of what a client sends, each on arbitrary bytes: request XML, headers with their
/// own grammar (Range, conditionals, copy source, dates), percent-encoding, POST policies, listing continuation
/// tokens, and whole requests (method, path, query, headers) through routing and signature checks.
///
/// The first byte picks the parser; the rest is its input. None may crash, hang or read out of bounds;
/// whatever they accept must satisfy the invariants checked here.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzS3Requests(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let all = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = all.first else { return 0 }
    let body = Array(all.dropFirst())
    let text = String(decoding: body, as: UTF8.self)
    switch selector % 13 {
    case 0:
        if let c = try? S3XMLRequests.parseCompleteMultipartUpload(body) {
            precondition(c.parts.allSatisfy { (1...S3XMLRequests.maxPartNumber).contains($0.partNumber) })
        }
    case 1:
        if let d = try? S3XMLRequests.parseDelete(body) {
            precondition(d.objects.count <= S3XMLRequests.maxDeleteObjects)
        }
    case 2:
        _ = try? S3XMLRequests.parseVersioningConfiguration(body)
        _ = try? S3XMLRequests.parseCreateBucketConfiguration(body)
    case 3:
        _ = try? S3XMLRequests.parseAccessControlPolicy(body)
    case 4:
        let size = UInt64(body.count) * 1000
        if let r = try? ByteRange.resolve(header: text, size: size) {
            precondition(r.length > 0 && r.offset + r.length <= size)
        }
        if let r = try? ByteRange.resolveCopySourceRange(text, size: size) {
            precondition(r.offset + r.length <= size)
        }
    case 5:
        if let source = try? S3CopySource.parse(text) {
            precondition(!source.bucket.isEmpty && !source.key.isEmpty)
        }
    case 6:
        if let date = S3Time.parseHTTPDate(text) {
            precondition(S3Time.parseHTTPDate(S3Time.httpDate(date)) != nil)
        }
        _ = Conditionals.EntityTag.parseList(text)
    case 7:
        if let decoded = S3URLEncoding.percentDecode(text) {
            precondition(S3URLEncoding.percentDecode(S3URLEncoding.encode(decoded)) == decoded)
        }
    case 8:
        _ = try? S3PostPolicy(base64: text)
        _ = try? S3PostPolicy(base64: Data(body).base64EncodedString())
    case 9, 10, 11:
        request(text, check: selector % 13)
    case 12:
        if let token = try? S3Responder.ContinuationToken(decoding: text) {
            precondition((try? S3Responder.ContinuationToken(decoding: token.encoded)) == token)
        }
    default:
        break
    }
    return 0
}

/// Lines of `text`: method, path, query (empty line: none), then `name: value` headers.
private func request(_ text: String, check: UInt8) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.count >= 3 else { return }
    let headers: [(name: String, value: String)] = lines.dropFirst(3).compactMap { line in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }
    let signed = SignedRequest(
        method: lines[0], path: lines[1], query: lines[2].isEmpty ? nil : lines[2], headers: headers,
        now: Date(timeIntervalSince1970: 1_750_000_000), virtualHostBucket: nil)
    switch check {
    case 9:
        let parser = S3RequestParser(virtualHostDomains: ["s3.example.com"])
        let query = signed.queryParameters.map { ($0.name, $0.value) }
        _ = try? parser.parse(method: lines[0], path: lines[1], query: query) { name in signed.header(name) }
        _ = try? parser.bucketAndKey(path: lines[1], host: signed.header("host"))
    case 10:
        _ = try? RequestAuthenticator.authenticate(signed) { $0 == "secret" ? nil : $0 }
        if let value = signed.header("authorization") {
            _ = try? SignatureV4.parseAuthorization(value)
            _ = try? SignatureV2.parseAuthorization(value)
        }
    default:
        _ = Conditionals(headers: { signed.header($0) }).evaluateRead(etag: "\"abc\"", lastModified: signed.now)
        _ = try? Conditionals(headers: { signed.header($0) }).checkWrite(currentETag: "\"abc\"", key: "k")
    }
}
