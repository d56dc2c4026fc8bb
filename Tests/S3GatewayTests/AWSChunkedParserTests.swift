import NIOCore
import Testing

@testable import S3Gateway

@Suite struct AWSChunkedParserTests {
    private func feed(_ parser: inout AWSChunkedParser, _ text: String) throws -> String {
        let out = try parser.feed(ByteBuffer(string: text))
        return out.map { String(buffer: $0) }.joined()
    }

    @Test func decodesChunksAndTrailers() throws {
        var parser = AWSChunkedParser(keepsHeaders: true)
        let sig = String(repeating: "a", count: 64)
        #expect(try feed(&parser, "5;chunk-signature=\(sig)\r\nhello\r\n0;chunk-signature=\(sig)\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n") == "hello")
        try parser.finish()
        #expect(parser.nextHeader() == .init(size: 5, signature: sig))
        #expect(parser.nextHeader() == .init(size: 0, signature: sig))
        #expect(parser.nextHeader() == nil)
        #expect(parser.trailers.map(\.name) == ["x-amz-checksum-crc32"])
    }

    /// A body of many tiny chunks keeps no more headers than the caller has yet to take: before, it kept every
    /// one (about four times the bytes of the body).
    @Test func headersDoNotAccumulate() throws {
        var unsigned = AWSChunkedParser()
        var signed = AWSChunkedParser(keepsHeaders: true)
        let piece = String(repeating: "1\r\nx\r\n", count: 1000)
        for _ in 0..<100 {
            #expect(try feed(&unsigned, piece).count == 1000)
            #expect(try feed(&signed, piece).count == 1000)
            var taken = 0
            while signed.nextHeader() != nil { taken += 1 }
            #expect(taken == 1000)
        }
        #expect(unsigned.nextHeader() == nil)
        #expect(unsigned.decodedLength == 100_000)
    }

    @Test func trailersAreBounded() throws {
        var parser = AWSChunkedParser()
        _ = try feed(&parser, "0\r\n")
        let line = "x-amz-meta-a:" + String(repeating: "b", count: 100) + "\r\n"
        #expect(throws: S3Error.self) {
            for _ in 0..<1000 { _ = try feed(&parser, line) }
        }
        #expect(parser.trailers.count < 200)
    }

    @Test(arguments: ["zz\r\n", "5;other=1\r\n", "-1\r\n", "5\nhello", "5\r\nhelloX\r\n", "0\r\n\r\nmore"])
    func malformedBodiesThrow(_ body: String) {
        var parser = AWSChunkedParser()
        #expect(throws: S3Error.self) {
            _ = try feed(&parser, body)
            try parser.finish()
        }
    }
}
