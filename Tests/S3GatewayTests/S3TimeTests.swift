import Foundation
import Testing
@testable import S3Gateway

@Suite struct S3TimeTests {
    @Test func iso8601WithMilliseconds() {
        #expect(S3Time.iso8601(sampleDate) == "2026-11-25T10:12:57.000Z")
        #expect(S3Time.iso8601(date(ms: 1_795_601_577_123)) == "2026-11-25T10:12:57.123Z")
        #expect(S3Time.iso8601(date(ms: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(S3Time.iso8601(date(ms: 951_782_400_001)) == "2000-02-29T00:00:00.001Z")
        #expect(S3Time.iso8601(date(ms: -1)) == "1969-12-31T23:59:59.999Z")
    }

    @Test func iso8601MatchesFoundation() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        for ms: Int64 in [1, 86_399_999, 1_000_000_000_007, 1_709_164_800_000, 4_102_444_799_999, 253_402_300_799_999] {
            #expect(S3Time.iso8601(date(ms: ms)) == f.string(from: date(ms: ms)))
        }
    }

    @Test func millisecondsAreExactAfterFloatingPoint() {
        for ms: Int64 in [1_234_567_890_123, 1_795_601_577_999, 1_700_000_000_001] {
            #expect(S3Time.milliseconds(date(ms: ms)) == ms)
        }
        #expect(S3Time.seconds(date(ms: 1_999)) == 1)
        #expect(S3Time.seconds(date(ms: -1)) == -1)
    }

    @Test func httpDate() {
        #expect(S3Time.httpDate(sampleDate) == "Wed, 25 Nov 2026 10:12:57 GMT")
        #expect(S3Time.httpDate(date(ms: 784_111_777_999)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(S3Time.httpDate(date(ms: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func parsesRFC1123() {
        #expect(S3Time.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == date(ms: 784_111_777_000))
        #expect(S3Time.parseHTTPDate("  Wed, 25 Nov 2026 10:12:57 GMT ") == sampleDate)
        #expect(S3Time.parseHTTPDate("Wed, 25 nov 2026 10:12:57 UTC") == sampleDate)
    }

    @Test func parsesObsoleteForms() {
        #expect(S3Time.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == date(ms: 784_111_777_000))
        #expect(S3Time.parseHTTPDate("Wednesday, 25-Nov-26 10:12:57 GMT") == sampleDate)
        #expect(S3Time.parseHTTPDate("Sun Nov  6 08:49:37 1994") == date(ms: 784_111_777_000))
    }

    @Test func roundTrip() {
        for ms: Int64 in [0, 951_782_400_000, 1_795_601_577_000, 4_102_444_799_000] {
            #expect(S3Time.parseHTTPDate(S3Time.httpDate(date(ms: ms))) == date(ms: ms))
        }
    }

    @Test func rejectsInvalidDates() {
        for s in [
            "", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 31 Feb 2026 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 29 Feb 2100 00:00:00 GMT", "2026-11-25T10:12:57Z", "Sun Nov  6 08:49 1994",
        ] {
            #expect(S3Time.parseHTTPDate(s) == nil, "\(s)")
        }
        #expect(S3Time.parseHTTPDate("Tue, 29 Feb 2000 00:00:00 GMT") != nil)
    }
}
