import Testing
@testable import S3Gateway

@Suite struct S3BucketNameRulesTests {
    @Test(arguments: [
        "abc", "master.images", "my-bucket-1", "0123456789abcdef0123456789abcdef.master.repo", "a.b-c", "1bucket",
        String(repeating: "a", count: 63), "192.168.5", "a.1.2.3", "xn-abc", "abc-s3alia",
    ])
    func valid(_ name: String) {
        #expect(S3BucketNameRules.isValid(name))
        #expect(s3Error { try S3BucketNameRules.validate(name) } == nil)
    }

    @Test(arguments: [
        "", "ab", String(repeating: "a", count: 64), "Master.images", "my_bucket", "a b", "bücket", "-abc", "abc-", ".abc", "abc.",
        "a..b", "192.168.5.4", "10.0.0.999", "xn--abc", "sthree-abc", "amzn-s3-demo-x", "abc-s3alias", "abc--ol-s3", "abc.mrap",
        "abc--x-s3", "abc--table-s3", "a/b", "a:b",
    ])
    func invalid(_ name: String) {
        #expect(!S3BucketNameRules.isValid(name))
        let e = s3Error { try S3BucketNameRules.validate(name) }
        #expect(e?.code == "InvalidBucketName")
        #expect(e?.status == 400)
        #expect(e?.field("BucketName") == name)
    }

    @Test func reasons() {
        #expect(S3BucketNameRules.violation("ab")?.contains("between 3") == true)
        #expect(S3BucketNameRules.violation("a..b")?.contains("adjacent") == true)
        #expect(S3BucketNameRules.violation("1.2.3.4")?.contains("IP address") == true)
        #expect(S3BucketNameRules.violation("xn--a")?.contains("xn--") == true)
        #expect(S3BucketNameRules.violation("abc") == nil)
    }
}
