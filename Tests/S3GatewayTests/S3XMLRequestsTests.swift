import Testing
@testable import S3Gateway

@Suite struct S3XMLRequestsTests {
    // MARK: CompleteMultipartUpload

    @Test func completeMultipartUpload() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Part><PartNumber>1</PartNumber><ETag>"e1"</ETag></Part>
              <Part>
                <ETag>&quot;e2&quot;</ETag>
                <PartNumber> 2 </PartNumber>
                <ChecksumCRC32>AAAAAA==</ChecksumCRC32>
                <ChecksumSHA256>abc=</ChecksumSHA256>
              </Part>
              <Part><PartNumber>7</PartNumber><ETag>e7</ETag></Part>
            </CompleteMultipartUpload>
            """
        let r = try S3XMLRequests.parseCompleteMultipartUpload(bytes(body))
        #expect(r.parts == [
            .init(partNumber: 1, etag: "e1"),
            .init(partNumber: 2, etag: "e2", checksums: [S3Checksum(algorithm: "CRC32", value: "AAAAAA=="), S3Checksum(algorithm: "SHA256", value: "abc=")]),
            .init(partNumber: 7, etag: "e7"),
        ])
    }

    @Test func completeWithoutNamespaceOrPrefixedNames() throws {
        let plain = try S3XMLRequests.parseCompleteMultipartUpload(bytes("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"))
        #expect(plain.parts.count == 1)
        let prefixed = try S3XMLRequests.parseCompleteMultipartUpload(bytes(
            "<s3:CompleteMultipartUpload xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Part><s3:PartNumber>3</s3:PartNumber><s3:ETag>x</s3:ETag></s3:Part></s3:CompleteMultipartUpload>"))
        #expect(prefixed.parts == [.init(partNumber: 3, etag: "x")])
    }

    @Test(arguments: [
        "",
        "not xml",
        "<CompleteMultipartUpload>",
        "<CompleteMultipartUpload></CompleteMultipartUpload>",
        "<Other><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Other>",
        "<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag></ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag><Bogus/></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part><Extra/></CompleteMultipartUpload>",
        "<CompleteMultipartUpload>text<Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1<b/></PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part>x<PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload><Second/>",
        "<!DOCTYPE d [<!ENTITY e \"x\">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&e;</ETag></Part></CompleteMultipartUpload>",
    ])
    func completeMalformed(_ body: String) {
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(body)) }?.code == "MalformedXML")
    }

    @Test func completePartOrderAndRange() {
        let unordered = "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part><Part><PartNumber>1</PartNumber><ETag>y</ETag></Part></CompleteMultipartUpload>"
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(unordered)) }?.code == "InvalidPartOrder")
        let duplicate = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part><Part><PartNumber>1</PartNumber><ETag>y</ETag></Part></CompleteMultipartUpload>"
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(duplicate)) }?.code == "InvalidPartOrder")
        for n in ["0", "10001", "-1"] {
            let body = "<CompleteMultipartUpload><Part><PartNumber>\(n)</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
            #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(body)) }?.code == "InvalidArgument")
        }
        let max = "<CompleteMultipartUpload><Part><PartNumber>10000</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(max)) } == nil)
    }

    @Test func sizeLimit() {
        let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(body), sizeLimit: body.utf8.count) } == nil)
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(bytes(body), sizeLimit: body.utf8.count - 1) }?.code == "MalformedXML")
        #expect(s3Error { try S3XMLRequests.parseDelete(bytes(body), sizeLimit: 10) }?.code == "MalformedXML")
    }

    // MARK: Delete

    @Test func delete() throws {
        let body = """
            <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Quiet>true</Quiet>
              <Object><Key>a</Key></Object>
              <Object><Key> spaced key </Key><VersionId> v1 </VersionId></Object>
              <Object><Key>x&amp;y&lt;z&#x9;</Key><ETag>"e"</ETag></Object>
              <Object><Key><![CDATA[c<d]]></Key></Object>
              <Object><Key>日本/🎉</Key></Object>
            </Delete>
            """
        let r = try S3XMLRequests.parseDelete(bytes(body))
        #expect(r.quiet)
        #expect(r.objects == [
            .init(key: "a"), .init(key: " spaced key ", versionId: "v1"), .init(key: "x&y<z\t", etag: "e"),
            .init(key: "c<d"), .init(key: "日本/🎉"),
        ])
    }

    @Test func deleteQuietDefaultsAndValues() throws {
        #expect(try S3XMLRequests.parseDelete(bytes("<Delete><Object><Key>a</Key></Object></Delete>")).quiet == false)
        #expect(try S3XMLRequests.parseDelete(bytes("<Delete><Quiet>False</Quiet><Object><Key>a</Key></Object></Delete>")).quiet == false)
        #expect(try S3XMLRequests.parseDelete(bytes("<Delete><Object><Key>a</Key></Object><Quiet> TRUE </Quiet></Delete>")).quiet == true)
        // An empty key is kept for the handler to report per key.
        #expect(try S3XMLRequests.parseDelete(bytes("<Delete><Object><Key></Key></Object></Delete>")).objects == [.init(key: "")])
    }

    @Test func deleteThousandObjects() throws {
        let objects = (0..<1000).map { "<Object><Key>k\($0)</Key></Object>" }.joined()
        let r = try S3XMLRequests.parseDelete(bytes("<Delete>\(objects)</Delete>"))
        #expect(r.objects.count == 1000)
        #expect(r.objects.last?.key == "k999")
    }

    @Test func deleteRejects1001Objects() {
        let objects = (0..<1001).map { "<Object><Key>k\($0)</Key></Object>" }.joined()
        #expect(s3Error { try S3XMLRequests.parseDelete(bytes("<Delete>\(objects)</Delete>")) }?.code == "MalformedXML")
        // Many more objects fail fast in the parser, still as MalformedXML.
        let many = (0..<5000).map { "<Object><Key>k\($0)</Key></Object>" }.joined()
        #expect(s3Error { try S3XMLRequests.parseDelete(bytes("<Delete>\(many)</Delete>")) }?.code == "MalformedXML")
    }

    @Test(arguments: [
        "<Delete></Delete>",
        "<Delete><Quiet>true</Quiet></Delete>",
        "<Delete><Object></Object></Delete>",
        "<Delete><Object><VersionId>v</VersionId></Object></Delete>",
        "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>",
        "<Delete><Object><Key>a</Key><Bogus>b</Bogus></Object></Delete>",
        "<Delete><Quiet>yes</Quiet><Object><Key>a</Key></Object></Delete>",
        "<Delete><Quiet>true</Quiet><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>",
        "<Delete><Object><Key>a</Key></Object><Other/></Delete>",
        "<Delete><Object><Key>a<i>b</i></Key></Object></Delete>",
        "<Remove><Object><Key>a</Key></Object></Remove>",
        "<Delete><Object><Key>a</Key></Object>",
        "<Delete><Object><Key>a&bogus;</Key></Object></Delete>",
    ])
    func deleteMalformed(_ body: String) {
        #expect(s3Error { try S3XMLRequests.parseDelete(bytes(body)) }?.code == "MalformedXML")
    }

    /// Found by `make fuzz`: an element name that is not UTF-8 made FoundationXML trap, taking the server with it.
    @Test(arguments: [
        [0x3C, 0x43, 0x6C, 0x6F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x73, 0x3C, 0x3C],
        Array("<Delete><Object><Key>".utf8) + [0xC3, 0x28] + Array("</Key></Object></Delete>".utf8),
        Array("<Delete><Obj".utf8) + [0xFF] + Array("ect><Key>a</Key></Obj\u{FF}ect></Delete>".utf8),
    ] as [[UInt8]])
    func bodiesThatAreNotUTF8AreMalformed(_ body: [UInt8]) {
        #expect(s3Error { try S3XMLRequests.parseCompleteMultipartUpload(body) }?.code == "MalformedXML")
        #expect(s3Error { try S3XMLRequests.parseDelete(body) }?.code == "MalformedXML")
        #expect(s3Error { try S3XMLRequests.parseVersioningConfiguration(body) }?.code == "MalformedXML")
        #expect(s3Error { try S3XMLRequests.parseCreateBucketConfiguration(body) }?.code == "MalformedXML")
        #expect(s3Error { _ = try S3XMLRequests.parseAccessControlPolicy(body) }?.code == "MalformedXML")
    }

    @Test func deleteRejectsTooDeepNesting() {
        let deep = String(repeating: "<a>", count: 20) + String(repeating: "</a>", count: 20)
        #expect(s3Error { try S3XMLRequests.parseDelete(bytes("<Delete><Object><Key>k</Key>\(deep)</Object></Delete>")) }?.code == "MalformedXML")
    }

    // MARK: VersioningConfiguration

    @Test func versioning() throws {
        let r = try S3XMLRequests.parseVersioningConfiguration(bytes(
            "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>"))
        #expect(r.status == .enabled)
        #expect(r.mfaDelete == .disabled)
        let s = try S3XMLRequests.parseVersioningConfiguration(bytes("<VersioningConfiguration><Status> Suspended </Status></VersioningConfiguration>"))
        #expect(s.status == .suspended)
        #expect(s.mfaDelete == nil)
        let empty = try S3XMLRequests.parseVersioningConfiguration(bytes("<VersioningConfiguration/>"))
        #expect(empty.status == nil)
    }

    @Test(arguments: [
        "",
        "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>",
        "<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>",
        "<VersioningConfiguration><MfaDelete>Maybe</MfaDelete></VersioningConfiguration>",
        "<VersioningConfiguration><Status>Enabled</Status><Status>Enabled</Status></VersioningConfiguration>",
        "<VersioningConfiguration><Other/></VersioningConfiguration>",
        "<Versioning><Status>Enabled</Status></Versioning>",
    ])
    func versioningMalformed(_ body: String) {
        #expect(s3Error { try S3XMLRequests.parseVersioningConfiguration(bytes(body)) }?.code == "MalformedXML")
    }

    // MARK: CreateBucketConfiguration

    @Test func createBucketConfiguration() throws {
        #expect(try S3XMLRequests.parseCreateBucketConfiguration([]).locationConstraint == nil)
        #expect(try S3XMLRequests.parseCreateBucketConfiguration(bytes(" \n\t")).locationConstraint == nil)
        let r = try S3XMLRequests.parseCreateBucketConfiguration(bytes(
            "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"))
        #expect(r.locationConstraint == "eu-west-1")
        let empty = try S3XMLRequests.parseCreateBucketConfiguration(bytes("<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>"))
        #expect(empty.locationConstraint == nil)
        let dir = try S3XMLRequests.parseCreateBucketConfiguration(bytes(
            "<CreateBucketConfiguration><Location><Name>usw2-az1</Name><Type>AvailabilityZone</Type></Location><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>"))
        #expect(dir.locationConstraint == nil)
    }

    @Test(arguments: [
        "garbage",
        "<CreateBucketConfiguration><Region>x</Region></CreateBucketConfiguration>",
        "<CreateBucketConfiguration><LocationConstraint>a</LocationConstraint><LocationConstraint>b</LocationConstraint></CreateBucketConfiguration>",
        "<CreateBucketConfiguration><LocationConstraint><x/></LocationConstraint></CreateBucketConfiguration>",
        "<Configuration><LocationConstraint>a</LocationConstraint></Configuration>",
    ])
    func createBucketMalformed(_ body: String) {
        #expect(s3Error { try S3XMLRequests.parseCreateBucketConfiguration(bytes(body)) }?.code == "MalformedXML")
    }

    @Test func markupDeclarationsAreRefused() {
        #expect(XMLTree.parse(bytes("<!DOCTYPE x><x/>"), maxElements: 10) == nil)
        #expect(XMLTree.parse(bytes("<x><!ENTITY a 'b'></x>"), maxElements: 10) == nil)
        #expect(XMLTree.parse(bytes("<x><!-- c --><![CDATA[d]]></x>"), maxElements: 10)?.text == "d")
        #expect(XMLTree.parse(bytes("<x>a &lt;! b</x>"), maxElements: 10)?.text == "a <! b")
    }

    @Test func commentsAreIgnored() throws {
        let r = try S3XMLRequests.parseDelete(bytes("<Delete><!-- note --><Object><Key>a</Key><!-- x --></Object></Delete>"))
        #expect(r.objects == [.init(key: "a")])
    }

    @Test func accessControlPolicy() throws {
        // What GetObjectAcl answers reads back as the owner's full control.
        let own = try S3XMLRequests.parseAccessControlPolicy(S3XMLResponses.accessControlPolicy(owner: S3Owner(id: "pachs3", displayName: "pachs3")))
        #expect(own.map(\.granteeID) == ["pachs3"] && own.map(\.permission) == ["FULL_CONTROL"])
        let group = try S3XMLRequests.parseAccessControlPolicy(bytes("""
            <AccessControlPolicy><Owner><ID>pachs3</ID></Owner><AccessControlList>
            <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
            </AccessControlList></AccessControlPolicy>
            """))
        #expect(group.count == 1 && group[0].granteeID == nil && group[0].permission == "READ")
        for bad in ["<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
            "<AccessControlPolicy><AccessControlList><Other/></AccessControlList></AccessControlPolicy>", "<Policy/>", "not xml"]
        {
            #expect(throws: S3Error.self) { _ = try S3XMLRequests.parseAccessControlPolicy(bytes(bad)) }
        }
    }
}
