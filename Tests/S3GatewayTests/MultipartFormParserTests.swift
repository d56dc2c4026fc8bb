import NIOCore
import Testing

@testable import S3Gateway

@Suite struct MultipartFormParserTests {
    /// Feeds `body` in pieces of `piece` bytes; the events with adjacent body slices joined.
    private func parse(_ body: [UInt8], piece: Int, boundary: String = "xYz") throws -> (events: [String], complete: Bool) {
        var parser = MultipartFormParser(boundary: boundary)
        var events: [String] = []
        var text = ""
        for start in stride(from: 0, to: body.count, by: piece) {
            for e in try parser.feed(ByteBuffer(bytes: body[start..<min(body.count, start + piece)])) {
                switch e {
                case .body(let b): text += String(buffer: b)
                case .header(let n, let v):
                    events.append("\(n)=\(v)")
                case .partComplete:
                    events.append("body:\(text)")
                    text = ""
                }
            }
        }
        return (events, parser.isComplete)
    }

    @Test(arguments: [1, 2, 5, 1000])
    func partsHeadersAndBodiesInAnyPieces(piece: Int) throws {
        let body = Array(
            ("preamble\r\n--xYz  \r\nContent-Disposition: form-data; name=\"a\"\r\nX-Y:  v \r\n\r\none\r\n--xY\r\n--xYz\r\n"
                + "Content-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--x\r\n-\r\n--xYz--\r\nepilogue --xYz").utf8)
        let (events, complete) = try parse(body, piece: piece)
        #expect(events == ["Content-Disposition=form-data; name=\"a\"", "X-Y=v", "body:one\r\n--xY", "Content-Disposition=form-data; name=\"file\"", "body:\r\n--x\r\n-"])
        #expect(complete)
    }

    /// Only the very start of the body may hold a delimiter without the CRLF before it.
    @Test(arguments: [1, 3, 1000])
    func aBareDelimiterCountsOnlyAtTheStart(piece: Int) throws {
        let body = Array("junk--xYz\r\nA: no\r\n\r\nx\r\n--xYz\r\nB: yes\r\n\r\ny\r\n--xYz--".utf8)
        #expect(try parse(body, piece: piece).events == ["B=yes", "body:y"])
    }

    @Test func aBodyThatEndsBeforeItsCloseIsIncomplete() throws {
        let (events, complete) = try parse(Array("--xYz\r\nA: b\r\n\r\ndata".utf8), piece: 3)
        #expect(events == ["A=b"])
        #expect(!complete)
    }

    /// Found by `make fuzz`: MultipartKit trapped on a byte over 127 in a header name, from any anonymous POST.
    @Test(arguments: [
        [0x2D, 0x2D, 0x78, 0x59, 0x7A, 0x0D, 0x0A, 0x43, 0x6F, 0x6E, 0x74, 0x94, 0x8B, 0x3A, 0x20, 0x78, 0x0D, 0x0A, 0x0D, 0x0A],
        Array("--xYz\r\nno colon\r\n\r\n".utf8),
        Array("--xYz\r\n: empty name\r\n\r\n".utf8),
        Array("--xYz\r\nA: b\n\r\n".utf8),
        Array("--xYz junk\r\nA: b\r\n\r\n".utf8),
        Array("--xYz\r\nA: ".utf8) + Array(repeating: UInt8(ascii: "v"), count: 9000),
    ] as [[UInt8]])
    func malformedFormsThrow(_ body: [UInt8]) {
        #expect(throws: MultipartFormParser.Failure.self) { _ = try parse(body, piece: 7) }
    }
}
