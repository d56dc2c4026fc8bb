import Foundation
import Testing
@testable import S3Gateway

@Suite struct ConditionalsTests {
    let etag = "9b2cf535f27731c974343645a3985328"
    /// Wed, 25 Nov 2026 10:12:57.400 GMT: sub-second parts are ignored in comparisons.
    let modified = date(ms: 1_795_601_577_400)
    let at = "Wed, 25 Nov 2026 10:12:57 GMT"
    let before = "Wed, 25 Nov 2026 10:12:56 GMT"
    let after = "Wed, 25 Nov 2026 10:12:58 GMT"

    func read(_ c: Conditionals) -> Conditionals.Outcome { c.evaluateRead(etag: etag, lastModified: modified) }

    @Test func noConditions() {
        let c = Conditionals()
        #expect(c.isEmpty)
        #expect(read(c) == .proceed)
        #expect(!Conditionals(ifMatch: "*").isEmpty)
    }

    @Test func ifMatch() {
        #expect(read(Conditionals(ifMatch: "\"\(etag)\"")) == .proceed)
        #expect(read(Conditionals(ifMatch: etag)) == .proceed)
        #expect(read(Conditionals(ifMatch: "*")) == .proceed)
        #expect(read(Conditionals(ifMatch: "\"other\", \"\(etag)\"")) == .proceed)
        #expect(read(Conditionals(ifMatch: "\"other\"")) == .preconditionFailed("If-Match"))
        #expect(read(Conditionals(ifMatch: "\"a\",\"b\"")) == .preconditionFailed("If-Match"))
        // Strong comparison: a weak tag never matches.
        #expect(read(Conditionals(ifMatch: "W/\"\(etag)\"")) == .preconditionFailed("If-Match"))
    }

    @Test func ifNoneMatch() {
        #expect(read(Conditionals(ifNoneMatch: "\"\(etag)\"")) == .notModified)
        #expect(read(Conditionals(ifNoneMatch: etag)) == .notModified)
        #expect(read(Conditionals(ifNoneMatch: "*")) == .notModified)
        #expect(read(Conditionals(ifNoneMatch: "W/\"\(etag)\"")) == .notModified)
        #expect(read(Conditionals(ifNoneMatch: "\"x\", \"\(etag)\"")) == .notModified)
        #expect(read(Conditionals(ifNoneMatch: "\"other\"")) == .proceed)
    }

    @Test func ifModifiedSince() {
        #expect(read(Conditionals(ifModifiedSince: before)) == .proceed)
        #expect(read(Conditionals(ifModifiedSince: at)) == .notModified)
        #expect(read(Conditionals(ifModifiedSince: after)) == .notModified)
        #expect(read(Conditionals(ifModifiedSince: "not a date")) == .proceed)
    }

    @Test func ifUnmodifiedSince() {
        #expect(read(Conditionals(ifUnmodifiedSince: before)) == .preconditionFailed("If-Unmodified-Since"))
        #expect(read(Conditionals(ifUnmodifiedSince: at)) == .proceed)
        #expect(read(Conditionals(ifUnmodifiedSince: after)) == .proceed)
        #expect(read(Conditionals(ifUnmodifiedSince: "garbage")) == .proceed)
    }

    @Test func precedence() {
        // If-Match true + If-Unmodified-Since false → 200.
        #expect(read(Conditionals(ifMatch: etag, ifUnmodifiedSince: before)) == .proceed)
        // If-Match false wins whatever the date says.
        #expect(read(Conditionals(ifMatch: "x", ifUnmodifiedSince: after)) == .preconditionFailed("If-Match"))
        // If-None-Match false + If-Modified-Since true → 304.
        #expect(read(Conditionals(ifNoneMatch: etag, ifModifiedSince: before)) == .notModified)
        // If-None-Match true + If-Modified-Since false → 200 (the date is not looked at).
        #expect(read(Conditionals(ifNoneMatch: "x", ifModifiedSince: after)) == .proceed)
        // 412 checks come before 304 checks.
        #expect(read(Conditionals(ifMatch: "x", ifNoneMatch: etag)) == .preconditionFailed("If-Match"))
        #expect(read(Conditionals(ifNoneMatch: etag, ifUnmodifiedSince: before)) == .preconditionFailed("If-Unmodified-Since"))
        #expect(read(Conditionals(ifModifiedSince: after, ifUnmodifiedSince: before)) == .preconditionFailed("If-Unmodified-Since"))
        // If-Match true + If-None-Match false → 304.
        #expect(read(Conditionals(ifMatch: etag, ifNoneMatch: etag)) == .notModified)
        // All four satisfied.
        #expect(read(Conditionals(ifMatch: etag, ifNoneMatch: "x", ifModifiedSince: before, ifUnmodifiedSince: after)) == .proceed)
    }

    @Test func fromHeaders() {
        let h = ["if-match": "\"\(etag)\"", "if-none-match": "\"x\"", "if-modified-since": before, "if-unmodified-since": after]
        let c = Conditionals(headers: { h[$0] })
        #expect(c.ifMatch == [.init(etag)])
        #expect(c.ifNoneMatch == [.init("x")])
        #expect(c.ifModifiedSince == S3Time.parseHTTPDate(before))
        #expect(c.ifUnmodifiedSince == S3Time.parseHTTPDate(after))
        #expect(!c.isCopySource)
        #expect(read(c) == .proceed)
    }

    @Test func entityTagLists() {
        #expect(Conditionals.EntityTag.parseList("\"a\", W/\"b\",c , ,*") == [.init("a"), .init("b", weak: true), .init("c"), .init("*")])
        #expect(Conditionals.EntityTag.parseList("") == [])
        #expect(Conditionals(ifMatch: " , ").ifMatch == nil)
        #expect(Conditionals.EntityTag("*").isWildcard)
        #expect(!Conditionals.EntityTag("*", weak: true).isWildcard)
    }

    @Test func quotedStoredETag() {
        let c = Conditionals(ifMatch: etag)
        #expect(c.evaluateRead(etag: "\"\(etag)\"", lastModified: modified) == .proceed)
    }

    @Test func copySource() {
        let h = [
            "x-amz-copy-source-if-match": "\"x\"", "x-amz-copy-source-if-none-match": etag,
            "x-amz-copy-source-if-modified-since": after, "x-amz-copy-source-if-unmodified-since": before,
            "if-match": etag,
        ]
        let c = Conditionals(copySourceHeaders: { h[$0] })
        #expect(c.isCopySource)
        #expect(c.evaluateCopySource(etag: etag, lastModified: modified) == .preconditionFailed("x-amz-copy-source-if-match"))
        // Copies have no 304: a failed If-None-Match or If-Modified-Since is 412.
        #expect(Conditionals(ifNoneMatch: etag, isCopySource: true).evaluateCopySource(etag: etag, lastModified: modified)
            == .preconditionFailed("x-amz-copy-source-if-none-match"))
        #expect(Conditionals(ifModifiedSince: after, isCopySource: true).evaluateCopySource(etag: etag, lastModified: modified)
            == .preconditionFailed("x-amz-copy-source-if-modified-since"))
        // If-Match true + If-Unmodified-Since false → copy proceeds.
        #expect(Conditionals(ifMatch: etag, ifUnmodifiedSince: before, isCopySource: true).evaluateCopySource(etag: etag, lastModified: modified) == .proceed)
    }

    @Test func outcomeErrors() {
        #expect(Conditionals.Outcome.proceed.error == nil)
        #expect(Conditionals.Outcome.notModified.error?.status == 304)
        let e = Conditionals.Outcome.preconditionFailed("If-Match").error
        #expect(e?.status == 412)
        #expect(e?.field("Condition") == "If-Match")
    }

    @Test func conditionalWrites() {
        let key = "k"
        // If-None-Match: * → create only.
        let create = Conditionals(ifNoneMatch: "*")
        #expect(s3Error { try create.checkWrite(currentETag: nil, key: key) } == nil)
        #expect(s3Error { try create.checkWrite(currentETag: etag, key: key) }?.code == "PreconditionFailed")
        #expect(s3Error { try Conditionals(ifNoneMatch: "\"*\"").checkWrite(currentETag: etag, key: key) }?.code == "PreconditionFailed")
        // If-Match → compare-and-swap.
        let swap = Conditionals(ifMatch: "\"\(etag)\"")
        #expect(s3Error { try swap.checkWrite(currentETag: etag, key: key) } == nil)
        #expect(s3Error { try swap.checkWrite(currentETag: "other", key: key) }?.code == "PreconditionFailed")
        let missing = s3Error { try swap.checkWrite(currentETag: nil, key: key) }
        #expect(missing?.code == "NoSuchKey")
        #expect(missing?.field("Key") == "k")
        #expect(s3Error { try Conditionals(ifMatch: "*").checkWrite(currentETag: etag, key: key) } == nil)
        #expect(s3Error { try Conditionals(ifMatch: "*").checkWrite(currentETag: nil, key: key) }?.code == "NoSuchKey")
        // Only * is supported in If-None-Match on writes.
        #expect(s3Error { try Conditionals(ifNoneMatch: etag).checkWrite(currentETag: nil, key: key) }?.code == "NotImplemented")
        // Dates do not apply to writes.
        #expect(s3Error { try Conditionals(ifModifiedSince: after, ifUnmodifiedSince: before).checkWrite(currentETag: etag, key: key) } == nil)
        #expect(s3Error { try Conditionals().checkWrite(currentETag: etag, key: key) } == nil)
    }
}
