import Foundation
import Testing
@testable import S3Gateway

@Suite struct S3XMLResponsesTests {
    let owner = S3Owner(id: "pachs3", displayName: "pachs3")
    let ts = "2026-11-25T10:12:57.000Z"

    @Test func quotedETag() {
        #expect(S3XMLResponses.quotedETag("abc") == "\"abc\"")
        #expect(S3XMLResponses.quotedETag("\"abc\"") == "\"abc\"")
        #expect(S3XMLResponses.quotedETag("abc-3") == "\"abc-3\"")
        #expect(S3XMLResponses.quotedETag("\"") == "\"\"\"")
    }

    @Test func listAllMyBuckets() {
        let body = S3XMLResponses.listAllMyBuckets(owner: owner, buckets: [
            S3BucketSummary(name: "master.images", creationDate: sampleDate),
            S3BucketSummary(name: "dev.images", creationDate: date(ms: 0)),
        ], region: "us-east-1")
        #expect(str(body) == decl + "<ListAllMyBucketsResult xmlns=\"\(ns)\"><Owner><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Owner>"
            + "<Buckets><Bucket><Name>master.images</Name><CreationDate>\(ts)</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>"
            + "<Bucket><Name>dev.images</Name><CreationDate>1970-01-01T00:00:00.000Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>"
            + "</Buckets></ListAllMyBucketsResult>")
    }

    @Test func listAllMyBucketsEmptyAndOwnerWithoutName() {
        let body = S3XMLResponses.listAllMyBuckets(owner: S3Owner(id: "x"), buckets: [], region: "eu-west-1")
        #expect(str(body) == decl + "<ListAllMyBucketsResult xmlns=\"\(ns)\"><Owner><ID>x</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>")
    }

    @Test func listAllMyBucketsPage() {
        let body = S3XMLResponses.listAllMyBuckets(
            owner: S3Owner(id: "x"), buckets: [S3BucketSummary(name: "a&b", creationDate: sampleDate)], region: "r", continuationToken: "YSZi",
            prefix: "a&")
        #expect(str(body) == decl + "<ListAllMyBucketsResult xmlns=\"\(ns)\"><Owner><ID>x</ID></Owner><Buckets><Bucket><Name>a&amp;b</Name>"
            + "<CreationDate>\(ts)</CreationDate><BucketRegion>r</BucketRegion></Bucket></Buckets>"
            + "<ContinuationToken>YSZi</ContinuationToken><Prefix>a&amp;</Prefix></ListAllMyBucketsResult>")
    }

    @Test func copyResults() {
        #expect(str(S3XMLResponses.copyObjectResult(lastModified: sampleDate, etag: "abc"))
            == decl + "<CopyObjectResult xmlns=\"\(ns)\"><LastModified>\(ts)</LastModified><ETag>&quot;abc&quot;</ETag></CopyObjectResult>")
        #expect(str(S3XMLResponses.copyPartResult(lastModified: sampleDate, etag: "\"abc\"", checksums: [S3Checksum(algorithm: "CRC32", value: "AAAAAA==")]))
            == decl + "<CopyPartResult xmlns=\"\(ns)\"><LastModified>\(ts)</LastModified><ETag>&quot;abc&quot;</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></CopyPartResult>")
    }

    @Test func versioningConfiguration() {
        #expect(str(S3XMLResponses.versioningConfiguration(status: "Enabled"))
            == decl + "<VersioningConfiguration xmlns=\"\(ns)\"><Status>Enabled</Status></VersioningConfiguration>")
        #expect(str(S3XMLResponses.versioningConfiguration(status: nil))
            == decl + "<VersioningConfiguration xmlns=\"\(ns)\"></VersioningConfiguration>")
    }

    @Test func locationConstraint() {
        #expect(str(S3XMLResponses.locationConstraint(nil)) == decl + "<LocationConstraint xmlns=\"\(ns)\"></LocationConstraint>")
        #expect(str(S3XMLResponses.locationConstraint("us-east-1")) == decl + "<LocationConstraint xmlns=\"\(ns)\"></LocationConstraint>")
        #expect(str(S3XMLResponses.locationConstraint("eu-west-1")) == decl + "<LocationConstraint xmlns=\"\(ns)\">eu-west-1</LocationConstraint>")
    }

    @Test func multipartResults() {
        #expect(str(S3XMLResponses.initiateMultipartUploadResult(bucket: "b", key: "a&b", uploadId: "u1"))
            == decl + "<InitiateMultipartUploadResult xmlns=\"\(ns)\"><Bucket>b</Bucket><Key>a&amp;b</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>")
        #expect(str(S3XMLResponses.completeMultipartUploadResult(location: "http://h/b/k", bucket: "b", key: "k", etag: "e-2"))
            == decl + "<CompleteMultipartUploadResult xmlns=\"\(ns)\"><Location>http://h/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;e-2&quot;</ETag></CompleteMultipartUploadResult>")
    }

    @Test func errorBody() {
        let e = S3Error.noSuchKey("a<b").with(resource: "/bucket/a<b")
        #expect(str(e.xmlBody(requestId: "R1"))
            == decl + "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&lt;b</Key><Resource>/bucket/a&lt;b</Resource><RequestId>R1</RequestId></Error>")
        #expect(str(S3XMLResponses.error(.accessDenied(), requestId: "R2", hostId: "H"))
            == decl + "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R2</RequestId><HostId>H</HostId></Error>")
    }

    // MARK: ListBucketResult

    @Test func listObjectsV1() {
        let r = S3ListBucketResult(
            name: "master.repo", prefix: "p/", delimiter: "/", maxKeys: 2, isTruncated: true,
            version: .v1(marker: "m", nextMarker: "p/b"),
            contents: [S3ObjectSummary(key: "p/a", lastModified: sampleDate, etag: "e1", size: 5, owner: owner)],
            commonPrefixes: ["p/b/"]
        )
        #expect(str(r.xml()) == decl + "<ListBucketResult xmlns=\"\(ns)\"><Name>master.repo</Name><Prefix>p/</Prefix><Marker>m</Marker>"
            + "<NextMarker>p/b</NextMarker><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>"
            + "<Contents><Key>p/a</Key><LastModified>\(ts)</LastModified><ETag>&quot;e1&quot;</ETag><Size>5</Size>"
            + "<Owner><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>"
            + "<CommonPrefixes><Prefix>p/b/</Prefix></CommonPrefixes></ListBucketResult>")
    }

    @Test func listObjectsV1EmptyDefaults() {
        let r = S3ListBucketResult(name: "b", prefix: nil, delimiter: "", maxKeys: 1000, isTruncated: false, version: .v1(marker: nil, nextMarker: nil), contents: [])
        #expect(str(r.xml()) == decl + "<ListBucketResult xmlns=\"\(ns)\"><Name>b</Name><Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>")
    }

    @Test func listObjectsV2() {
        let r = S3ListBucketResult(
            name: "b", prefix: "", delimiter: nil, maxKeys: 1000, isTruncated: true,
            version: .v2(startAfter: "s", continuationToken: "t1", nextContinuationToken: "t2"),
            contents: [S3ObjectSummary(key: "k", lastModified: sampleDate, etag: "e", size: 0)],
            commonPrefixes: ["c/"]
        )
        #expect(str(r.xml()) == decl + "<ListBucketResult xmlns=\"\(ns)\"><Name>b</Name><Prefix></Prefix><StartAfter>s</StartAfter>"
            + "<ContinuationToken>t1</ContinuationToken><NextContinuationToken>t2</NextContinuationToken><KeyCount>2</KeyCount>"
            + "<MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>k</Key><LastModified>\(ts)</LastModified>"
            + "<ETag>&quot;e&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>"
            + "<CommonPrefixes><Prefix>c/</Prefix></CommonPrefixes></ListBucketResult>")
        #expect(r.keyCount == 2)
    }

    @Test func listObjectsV2WithoutOptionalFields() {
        let r = S3ListBucketResult(name: "b", prefix: nil, delimiter: nil, maxKeys: 0, isTruncated: false, version: .v2(startAfter: nil, continuationToken: nil, nextContinuationToken: nil), contents: [])
        #expect(str(r.xml()) == decl + "<ListBucketResult xmlns=\"\(ns)\"><Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>0</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>")
    }

    @Test func listObjectsURLEncoding() {
        let r = S3ListBucketResult(
            name: "b", prefix: "a b/", delimiter: "+", maxKeys: 10, isTruncated: false, encodingURL: true,
            version: .v2(startAfter: "a b/0", continuationToken: "tok+/=", nextContinuationToken: nil),
            contents: [S3ObjectSummary(key: "a b/ä+&", lastModified: sampleDate, etag: "e", size: 1)],
            commonPrefixes: ["a b/c+"]
        )
        let s = str(r.xml())
        #expect(s.contains("<Prefix>a%20b/</Prefix><StartAfter>a%20b/0</StartAfter><ContinuationToken>tok+/=</ContinuationToken>"))
        #expect(s.contains("<Delimiter>%2B</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"))
        #expect(s.contains("<Key>a%20b/%C3%A4%2B%26</Key>"))
        #expect(s.contains("<CommonPrefixes><Prefix>a%20b/c%2B</Prefix></CommonPrefixes>"))
    }

    @Test func listObjectsV1URLEncodingOfMarkers() {
        let r = S3ListBucketResult(name: "b", prefix: nil, delimiter: nil, maxKeys: 1, isTruncated: true, encodingURL: true, version: .v1(marker: "m m", nextMarker: "n\u{01}"), contents: [])
        let s = str(r.xml())
        #expect(s.contains("<Marker>m%20m</Marker><NextMarker>n%01</NextMarker>"))
    }

    @Test func listingEscapesControlCharactersWithoutURLEncoding() {
        let r = S3ListBucketResult(name: "b", prefix: nil, delimiter: nil, maxKeys: 1, isTruncated: false, version: .v1(marker: nil, nextMarker: nil),
                                   contents: [S3ObjectSummary(key: "a\u{01}<b>", lastModified: sampleDate, etag: "e", size: 1)])
        #expect(str(r.xml()).contains("<Key>a&#x1;&lt;b&gt;</Key>"))
    }

    // MARK: ListVersionsResult

    @Test func listVersions() {
        let r = S3ListVersionsResult(
            name: "b", prefix: "p", keyMarker: nil, versionIdMarker: nil, nextKeyMarker: "p2", nextVersionIdMarker: "v2",
            maxKeys: 2, delimiter: "/", isTruncated: true,
            entries: [
                .deleteMarker(S3DeleteMarkerEntry(key: "p1", versionId: "v9", isLatest: true, lastModified: sampleDate, owner: owner)),
                .version(S3ObjectVersion(key: "p1", versionId: "v1", isLatest: false, lastModified: sampleDate, etag: "e", size: 3, owner: owner)),
            ],
            commonPrefixes: ["p/"]
        )
        #expect(str(r.xml()) == decl + "<ListVersionsResult xmlns=\"\(ns)\"><Name>b</Name><Prefix>p</Prefix><KeyMarker></KeyMarker>"
            + "<VersionIdMarker></VersionIdMarker><NextKeyMarker>p2</NextKeyMarker><NextVersionIdMarker>v2</NextVersionIdMarker>"
            + "<MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>"
            + "<DeleteMarker><Key>p1</Key><VersionId>v9</VersionId><IsLatest>true</IsLatest><LastModified>\(ts)</LastModified>"
            + "<Owner><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Owner></DeleteMarker>"
            + "<Version><Key>p1</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest><LastModified>\(ts)</LastModified>"
            + "<ETag>&quot;e&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass>"
            + "<Owner><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Owner></Version>"
            + "<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListVersionsResult>")
    }

    @Test func listVersionsURLEncoded() {
        let r = S3ListVersionsResult(
            name: "b", prefix: "a b", keyMarker: "k k", versionIdMarker: "v", maxKeys: 1, delimiter: nil, isTruncated: false, encodingURL: true,
            entries: [.version(S3ObjectVersion(key: "a b", versionId: "v", isLatest: true, lastModified: sampleDate, etag: "e", size: 1))]
        )
        let s = str(r.xml())
        #expect(s.contains("<Prefix>a%20b</Prefix><KeyMarker>k%20k</KeyMarker><VersionIdMarker>v</VersionIdMarker><MaxKeys>1</MaxKeys><EncodingType>url</EncodingType>"))
        #expect(s.contains("<Key>a%20b</Key>"))
        #expect(!s.contains("NextKeyMarker"))
    }

    // MARK: DeleteResult

    @Test func deleteResult() {
        let r = S3DeleteResult(
            deleted: [
                S3DeleteResult.Deleted(key: "a"),
                S3DeleteResult.Deleted(key: "b", versionId: "v1"),
                S3DeleteResult.Deleted(key: "c", deleteMarker: true, deleteMarkerVersionId: "v2"),
            ],
            errors: [S3DeleteResult.Failure(key: "d", versionId: "v3", error: .accessDenied())]
        )
        #expect(str(r.xml()) == decl + "<DeleteResult xmlns=\"\(ns)\"><Deleted><Key>a</Key></Deleted>"
            + "<Deleted><Key>b</Key><VersionId>v1</VersionId></Deleted>"
            + "<Deleted><Key>c</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>v2</DeleteMarkerVersionId></Deleted>"
            + "<Error><Key>d</Key><VersionId>v3</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>")
    }

    @Test func deleteResultQuiet() {
        let r = S3DeleteResult(deleted: [.init(key: "a")], errors: [.init(key: "b", code: "InternalError", message: "m")], quiet: true)
        #expect(str(r.xml()) == decl + "<DeleteResult xmlns=\"\(ns)\"><Error><Key>b</Key><Code>InternalError</Code><Message>m</Message></Error></DeleteResult>")
        #expect(str(S3DeleteResult(deleted: [], quiet: true).xml()) == decl + "<DeleteResult xmlns=\"\(ns)\"></DeleteResult>")
    }

    // MARK: Multipart listings

    @Test func listParts() {
        let r = S3ListPartsResult(
            bucket: "b", key: "k", uploadId: "u", initiator: owner, owner: owner, partNumberMarker: 1, nextPartNumberMarker: 3,
            maxParts: 2, isTruncated: true,
            parts: [
                .init(partNumber: 2, lastModified: sampleDate, etag: "e2", size: 5_242_880),
                .init(partNumber: 3, lastModified: sampleDate, etag: "e3", size: 1, checksums: [S3Checksum(algorithm: "SHA256", value: "x")]),
            ]
        )
        #expect(str(r.xml()) == decl + "<ListPartsResult xmlns=\"\(ns)\"><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId>"
            + "<Initiator><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Initiator><Owner><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Owner>"
            + "<StorageClass>STANDARD</StorageClass><PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker>"
            + "<MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>"
            + "<Part><PartNumber>2</PartNumber><LastModified>\(ts)</LastModified><ETag>&quot;e2&quot;</ETag><Size>5242880</Size></Part>"
            + "<Part><PartNumber>3</PartNumber><LastModified>\(ts)</LastModified><ETag>&quot;e3&quot;</ETag><Size>1</Size><ChecksumSHA256>x</ChecksumSHA256></Part>"
            + "</ListPartsResult>")
    }

    @Test func listMultipartUploads() {
        let r = S3ListMultipartUploadsResult(
            bucket: "b", keyMarker: nil, uploadIdMarker: nil, nextKeyMarker: "k", nextUploadIdMarker: "u", delimiter: "/", prefix: nil,
            maxUploads: 1, isTruncated: true,
            uploads: [.init(key: "k", uploadId: "u", initiator: owner, owner: owner, initiated: sampleDate)],
            commonPrefixes: ["d/"]
        )
        #expect(str(r.xml()) == decl + "<ListMultipartUploadsResult xmlns=\"\(ns)\"><Bucket>b</Bucket><KeyMarker></KeyMarker>"
            + "<UploadIdMarker></UploadIdMarker><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker>"
            + "<Delimiter>/</Delimiter><Prefix></Prefix><MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated>"
            + "<Upload><Key>k</Key><UploadId>u</UploadId><Initiator><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Initiator>"
            + "<Owner><ID>pachs3</ID><DisplayName>pachs3</DisplayName></Owner><StorageClass>STANDARD</StorageClass>"
            + "<Initiated>\(ts)</Initiated></Upload><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListMultipartUploadsResult>")
    }

    @Test func listMultipartUploadsURLEncoded() {
        let r = S3ListMultipartUploadsResult(
            bucket: "b", keyMarker: "a b", uploadIdMarker: "u", delimiter: nil, prefix: "p q", maxUploads: 5, isTruncated: false,
            encodingURL: true, uploads: [.init(key: "x y", uploadId: "u2", initiated: sampleDate)], commonPrefixes: ["c d/"]
        )
        let s = str(r.xml())
        #expect(s.contains("<KeyMarker>a%20b</KeyMarker><UploadIdMarker>u</UploadIdMarker><Prefix>p%20q</Prefix><MaxUploads>5</MaxUploads><EncodingType>url</EncodingType>"))
        #expect(s.contains("<Key>x%20y</Key>"))
        #expect(s.contains("<Prefix>c%20d/</Prefix>"))
    }
}
