import Testing
@testable import S3Gateway

@Suite struct ByteRangeTests {
    func resolve(_ header: String?, _ size: UInt64) throws(S3Error) -> ByteRange.Resolved? {
        try ByteRange.resolve(header: header, size: size)
    }

    @Test func parsesTheThreeForms() {
        #expect(ByteRange.parse("bytes=0-499") == .closed(first: 0, last: 499))
        #expect(ByteRange.parse("bytes=500-") == .from(first: 500))
        #expect(ByteRange.parse("bytes=-500") == .suffix(length: 500))
        #expect(ByteRange.parse(" Bytes = 1 - 2 ") == nil)
        #expect(ByteRange.parse("BYTES=1-2") == .closed(first: 1, last: 2))
        #expect(ByteRange.parse("  bytes= 1 - 2 ") == .closed(first: 1, last: 2))
    }

    @Test(arguments: [
        "", "bytes", "bytes=", "bytes=-", "items=0-1", "bytes=a-b", "bytes=1-a", "bytes=+1-2", "bytes=5-2", "bytes=0-1,3-4",
        "bytes=0-1,", "bytes=1", "bytes=--1", "bytes=1--2", "bytes=0x1-2",
    ])
    func ignoredHeaders(_ header: String) throws {
        #expect(ByteRange.parse(header) == nil)
        #expect(try resolve(header, 100) == nil)
    }

    @Test func absentHeader() throws {
        #expect(try resolve(nil, 10) == nil)
    }

    @Test func closedRanges() throws {
        #expect(try resolve("bytes=0-0", 10) == .init(offset: 0, length: 1, size: 10))
        #expect(try resolve("bytes=0-9", 10) == .init(offset: 0, length: 10, size: 10))
        #expect(try resolve("bytes=2-5", 10) == .init(offset: 2, length: 4, size: 10))
        #expect(try resolve("bytes=9-9", 10) == .init(offset: 9, length: 1, size: 10))
        // A last byte past the end is clamped.
        #expect(try resolve("bytes=5-1000", 10) == .init(offset: 5, length: 5, size: 10))
        #expect(try resolve("bytes=0-99999999999999999999999", 10) == .init(offset: 0, length: 10, size: 10))
    }

    @Test func openRanges() throws {
        #expect(try resolve("bytes=0-", 10) == .init(offset: 0, length: 10, size: 10))
        #expect(try resolve("bytes=9-", 10) == .init(offset: 9, length: 1, size: 10))
    }

    @Test func suffixRanges() throws {
        #expect(try resolve("bytes=-1", 10) == .init(offset: 9, length: 1, size: 10))
        #expect(try resolve("bytes=-10", 10) == .init(offset: 0, length: 10, size: 10))
        // A suffix longer than the object is the whole object.
        #expect(try resolve("bytes=-11", 10) == .init(offset: 0, length: 10, size: 10))
        #expect(try resolve("bytes=-99999999999999999999999", 10) == .init(offset: 0, length: 10, size: 10))
    }

    @Test func unsatisfiable() {
        for (header, size) in [("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=11-11", 10), ("bytes=-0", 10), ("bytes=99999999999999999999-", 10)] as [(String, UInt64)] {
            let e = s3Error { try resolve(header, size) }
            #expect(e?.code == "InvalidRange", "\(header)")
            #expect(e?.status == 416)
            #expect(e?.headers == [.init("Content-Range", "bytes */\(size)")])
        }
    }

    @Test func emptyObject() throws {
        #expect(s3Error { try resolve("bytes=0-0", 0) }?.code == "InvalidRange")
        #expect(s3Error { try resolve("bytes=0-", 0) }?.code == "InvalidRange")
        #expect(s3Error { try resolve("bytes=-0", 0) }?.code == "InvalidRange")
        // A suffix of an empty object selects nothing to cut: serve the (empty) whole.
        #expect(try resolve("bytes=-5", 0) == nil)
        #expect(try resolve("bytes=0-1,2-3", 0) == nil)
    }

    @Test func contentRange() throws {
        let r = try #require(try resolve("bytes=2-5", 10))
        #expect(r.contentRange == "bytes 2-5/10")
        #expect(r.last == 5)
        #expect(try resolve("bytes=-3", 10)?.contentRange == "bytes 7-9/10")
    }

    @Test func headerValues() {
        #expect(ByteRange.closed(first: 1, last: 2).headerValue == "bytes=1-2")
        #expect(ByteRange.from(first: 3).headerValue == "bytes=3-")
        #expect(ByteRange.suffix(length: 4).headerValue == "bytes=-4")
        #expect(s3Error { try ByteRange.from(first: 20).resolve(size: 10) }?.field("RangeRequested") == "bytes=20-")
    }

    @Test func copySourceRange() throws {
        #expect(try ByteRange.resolveCopySourceRange("bytes=0-9", size: 10) == .init(offset: 0, length: 10, size: 10))
        #expect(try ByteRange.resolveCopySourceRange("bytes=3-3", size: 10) == .init(offset: 3, length: 1, size: 10))
        for bad in ["bytes=0-", "bytes=-5", "bytes=5-2", "0-5", "bytes=0-1,2-3", ""] {
            #expect(s3Error { try ByteRange.resolveCopySourceRange(bad, size: 10) }?.code == "InvalidArgument", "\(bad)")
        }
        let past = s3Error { try ByteRange.resolveCopySourceRange("bytes=0-10", size: 10) }
        #expect(past?.code == "InvalidArgument")
        #expect(past?.message == "Range specified is not valid for source object of size: 10")
        #expect(s3Error { try ByteRange.resolveCopySourceRange("bytes=0-0", size: 0) }?.code == "InvalidArgument")
    }
}
