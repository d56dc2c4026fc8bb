import Testing
@testable import S3Gateway

@Suite struct S3URLEncodingTests {
    @Test func keepsUnreservedAndSlash() {
        let kept = "ABCXYZabcxyz0189-._~/"
        #expect(S3URLEncoding.encode(kept) == kept)
        #expect(S3URLEncoding.encode("") == "")
    }

    @Test func encodesEverythingElse() {
        #expect(S3URLEncoding.encode("a b") == "a%20b")
        #expect(S3URLEncoding.encode("a+b") == "a%2Bb")
        #expect(S3URLEncoding.encode("100%.csv") == "100%25.csv")
        #expect(S3URLEncoding.encode("한글/x.txt") == "%ED%95%9C%EA%B8%80/x.txt")
        #expect(S3URLEncoding.encode("a?b#c&d=e:f@g!h*i'j(k)l,m;n$") == "a%3Fb%23c%26d%3De%3Af%40g%21h%2Ai%27j%28k%29l%2Cm%3Bn%24")
        #expect(S3URLEncoding.encode("\u{01}\n\u{7F}") == "%01%0A%7F")
        #expect(S3URLEncoding.encode("🎉") == "%F0%9F%8E%89")
    }

    @Test func conditionalEncoding() {
        #expect(S3URLEncoding.encode("a b", if: false) == "a b")
        #expect(S3URLEncoding.encode("a b", if: true) == "a%20b")
    }

    @Test func percentDecode() {
        #expect(S3URLEncoding.percentDecode("a%20b") == "a b")
        #expect(S3URLEncoding.percentDecode("a+b") == "a+b")
        #expect(S3URLEncoding.percentDecode("%ED%95%9C%ea%b8%80") == "한글")
        #expect(S3URLEncoding.percentDecode("plain") == "plain")
        #expect(S3URLEncoding.percentDecode("") == "")
        #expect(S3URLEncoding.percentDecode("%2F%2f") == "//")
    }

    @Test func percentDecodeRejectsMalformed() {
        #expect(S3URLEncoding.percentDecode("%") == nil)
        #expect(S3URLEncoding.percentDecode("%2") == nil)
        #expect(S3URLEncoding.percentDecode("%zz") == nil)
        #expect(S3URLEncoding.percentDecode("%FF") == nil)
        #expect(S3URLEncoding.percentDecode("%C3") == nil)
    }

    @Test func roundTrip() {
        for s in ["a b+c", "x/y//z/", "日本語 🎉", "%41", "\u{01}"] {
            #expect(S3URLEncoding.percentDecode(S3URLEncoding.encode(s)) == s)
        }
    }
}
