import Foundation
import Logging
import Testing

@testable import pachs3

/// The server's log lines: one line each, whatever the message and values hold, and pairs that split.
@Suite struct ServerLogHandlerTests {
    func line(_ message: Logger.Message, _ metadata: Logger.Metadata, handler: Logger.Metadata = [:]) -> String {
        var h = ServerLogHandler(label: "pachs3")
        h.metadata = handler
        let event = LogEvent(
            level: .info, message: message, metadata: metadata, source: "S3Gateway", file: #fileID, function: #function, line: #line)
        return String(decoding: h.line(for: event, at: Date(timeIntervalSince1970: 1_796_000_000.123)), as: UTF8.self)
    }

    @Test func aLineHasTheTimeLevelSourceMessageAndSortedPairs() {
        #expect(
            line("s3", ["status": "200", "method": "GET", "path": "/master.b/k"], handler: ["request-id": "A1", "method": "HEAD"])
                == "2026-11-30T00:53:20.123Z info pachs3 [S3Gateway]: s3 method=GET path=/master.b/k request-id=A1 status=200\n")
    }

    @Test func valuesWithSpacesQuotesOrControlCharactersAreQuotedAndEscaped() {
        let l = line("request failed", ["error": "chunk \"ab\" does not match\nits CRC-32", "empty": "", "path": "a\\b", "tab": "x\ty"])
        #expect(l == #"2026-11-30T00:53:20.123Z info pachs3 [S3Gateway]: request failed empty="" error="chunk \"ab\" does not match\nits CRC-32" path=a\b tab="x\ty""# + "\n")
    }

    @Test func aMessageWithLineBreaksStaysOneLine() {
        let l = line("first\r\nsecond\u{1}", [:])
        #expect(l.hasSuffix(#"]: first\r\nsecond\u0001"# + "\n"))
        #expect(l.filter { $0 == "\n" }.count == 1)
    }
}
