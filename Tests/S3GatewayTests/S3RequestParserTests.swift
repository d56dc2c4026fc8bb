import Testing
@testable import S3Gateway

@Suite struct S3RequestParserTests {
    let parser = S3RequestParser()

    func op(_ method: String, _ path: String, _ query: [(String, String?)] = [], headers: [String: String] = [:], parser: S3RequestParser? = nil) throws(S3Error) -> S3Operation {
        try (parser ?? self.parser).parse(method: method, path: path, query: query, headers: headers)
    }

    func err(_ method: String, _ path: String, _ query: [(String, String?)] = [], headers: [String: String] = [:]) -> S3Error? {
        s3Error { try op(method, path, query, headers: headers) }
    }

    // MARK: Service

    @Test func service() throws {
        #expect(try op("GET", "/") == .listBuckets(.init()))
        #expect(try op("GET", "") == .listBuckets(.init()))
        #expect(try op("get", "/") == .listBuckets(.init()))
        #expect(
            try op("GET", "/", [("prefix", "master."), ("max-buckets", "2"), ("continuation-token", "bWFzdGVyLmE="), ("bucket-region", "us-east-1")])
                == .listBuckets(.init(prefix: "master.", maxBuckets: 2, continuationToken: "bWFzdGVyLmE=", bucketRegion: "us-east-1")))
        #expect(try op("GET", "/", [("prefix", ""), ("max-buckets", "10000")]) == .listBuckets(.init(maxBuckets: 10_000)))
        for bad in ["0", "10001", "-1", "x", ""] {
            #expect(err("GET", "/", [("max-buckets", bad)])?.code == "InvalidArgument", "max-buckets=\(bad)")
        }
        #expect(try op("PUT", "/") == .methodNotAllowed(method: "PUT", resourceType: "SERVICE"))
        #expect(try op("DELETE", "/") == .methodNotAllowed(method: "DELETE", resourceType: "SERVICE"))
    }

    // MARK: Buckets

    @Test func bucketCalls() throws {
        #expect(try op("PUT", "/b") == .createBucket(bucket: "b"))
        #expect(try op("PUT", "/b/") == .createBucket(bucket: "b"))
        #expect(try op("DELETE", "/b") == .deleteBucket(bucket: "b"))
        #expect(try op("HEAD", "/b") == .headBucket(bucket: "b"))
        #expect(try op("GET", "/b", [("location", nil)]) == .getBucketLocation(bucket: "b"))
        #expect(try op("GET", "/b", [("versioning", "")]) == .getBucketVersioning(bucket: "b"))
        #expect(try op("PUT", "/b", [("versioning", nil)]) == .putBucketVersioning(bucket: "b"))
        #expect(try op("POST", "/b", [("delete", nil)]) == .deleteObjects(bucket: "b"))
        #expect(try op("POST", "/b") == .postObject(bucket: "b"))
        #expect(try op("POST", "/b").isFormUpload && !op("POST", "/b/k", [("uploads", nil)]).isFormUpload)
        #expect(try op("PATCH", "/b") == .methodNotAllowed(method: "PATCH", resourceType: "BUCKET"))
        #expect(try op("DELETE", "/b", [("versioning", nil)]) == .methodNotAllowed(method: "DELETE", resourceType: "VERSIONING"))
        #expect(try op("PUT", "/b", [("uploads", nil)]) == .notImplemented("PUT ?uploads"))
    }

    @Test func bucketNameIsDecoded() throws {
        #expect(try op("HEAD", "/master.images") == .headBucket(bucket: "master.images"))
        #expect(try op("HEAD", "/my%2Dbucket") == .headBucket(bucket: "my-bucket"))
    }

    @Test func listObjectsV1() throws {
        #expect(try op("GET", "/b") == .listObjectsV1(bucket: "b", .init()))
        let q: [(String, String?)] = [("prefix", "a/"), ("delimiter", "/"), ("marker", "a/b"), ("max-keys", "10"), ("encoding-type", "url")]
        #expect(try op("GET", "/b", q) == .listObjectsV1(bucket: "b", .init(prefix: "a/", delimiter: "/", maxKeys: 10, encodingURL: true, marker: "a/b")))
        #expect(try op("GET", "/b", [("list-type", "1")]) == .listObjectsV1(bucket: "b", .init()))
    }

    @Test func listObjectsV2() throws {
        let q: [(String, String?)] = [
            ("list-type", "2"), ("prefix", "p"), ("delimiter", ""), ("continuation-token", "tok"), ("start-after", "s"),
            ("fetch-owner", "true"), ("max-keys", "5000"), ("encoding-type", "URL"),
        ]
        #expect(try op("GET", "/b", q) == .listObjectsV2(bucket: "b", .init(
            prefix: "p", delimiter: nil, maxKeys: 1000, encodingURL: true, continuationToken: "tok", startAfter: "s", fetchOwner: true)))
        #expect(try op("GET", "/b", [("list-type", "2"), ("fetch-owner", "false"), ("max-keys", "0")])
            == .listObjectsV2(bucket: "b", .init(maxKeys: 0)))
        // v1 ignores v2 parameters and vice versa.
        #expect(try op("GET", "/b", [("start-after", "s"), ("continuation-token", "t")]) == .listObjectsV1(bucket: "b", .init()))
        #expect(try op("GET", "/b", [("list-type", "2"), ("marker", "m")]) == .listObjectsV2(bucket: "b", .init()))
    }

    @Test func listParameterErrors() {
        #expect(err("GET", "/b", [("max-keys", "abc")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("max-keys", "-1")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("max-keys", "99999999999999999999")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("encoding-type", "base64")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("list-type", "3")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("versions", nil), ("max-keys", "x")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("uploads", nil), ("max-uploads", "-5")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("uploadId", "u"), ("max-parts", "many")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("uploadId", "u"), ("part-number-marker", "-1")])?.code == "InvalidArgument")
    }

    @Test func firstQueryOccurrenceWins() throws {
        #expect(try op("GET", "/b", [("prefix", "a"), ("prefix", "b")]) == .listObjectsV1(bucket: "b", .init(prefix: "a")))
    }

    @Test func listVersions() throws {
        #expect(try op("GET", "/b", [("versions", nil)]) == .listObjectVersions(bucket: "b", .init()))
        let q: [(String, String?)] = [
            ("versions", ""), ("prefix", "p"), ("delimiter", "/"), ("key-marker", "k"), ("version-id-marker", "v"), ("max-keys", "3"),
            ("encoding-type", "url"),
        ]
        #expect(try op("GET", "/b", q) == .listObjectVersions(bucket: "b", .init(prefix: "p", delimiter: "/", maxKeys: 3, encodingURL: true, keyMarker: "k", versionIdMarker: "v")))
        #expect(err("GET", "/b", [("versions", nil), ("version-id-marker", "v")])?.code == "InvalidArgument")
        #expect(err("GET", "/b", [("versions", nil), ("max-keys", "-1")])?.code == "InvalidArgument")
    }

    @Test func listMultipartUploads() throws {
        #expect(try op("GET", "/b", [("uploads", nil)]) == .listMultipartUploads(bucket: "b", .init()))
        let q: [(String, String?)] = [("uploads", nil), ("key-marker", "k"), ("upload-id-marker", "u"), ("max-uploads", "2"), ("prefix", "p"), ("delimiter", "/")]
        #expect(try op("GET", "/b", q) == .listMultipartUploads(bucket: "b", .init(prefix: "p", delimiter: "/", maxUploads: 2, keyMarker: "k", uploadIdMarker: "u")))
    }

    @Test(arguments: ["analytics", "inventory", "metrics", "intelligent-tiering"])
    func unservedBucketSubresources(_ sub: String) throws {
        for method in ["GET", "PUT", "DELETE"] {
            #expect(try op(method, "/b", [(sub, nil)]) == .notImplemented("\(method) ?\(sub)"))
        }
    }

    @Test(arguments: S3BucketConfiguration.allCases)
    func bucketConfigurations(_ config: S3BucketConfiguration) throws {
        let q: [(String, String?)] = [(config.subresource, nil)]
        #expect(try op("GET", "/b", q) == .getBucketConfiguration(bucket: "b", config))
        #expect(try op("GET", "/b", q).name == config.getName)
        // Setting one is not served (ACLs aside); deleting one is where S3 has the call.
        if config != .acl { #expect(try op("PUT", "/b", q) == .notImplemented("PUT ?\(config.subresource)")) }
        if let name = config.deleteName {
            #expect(try op("DELETE", "/b", q) == .deleteBucketConfiguration(bucket: "b", config))
            #expect(try op("DELETE", "/b", q).name == name)
        } else {
            #expect(try op("DELETE", "/b", q) == .notImplemented("DELETE ?\(config.subresource)"))
        }
    }

    @Test func absentConfigurationsAreTheirOwn404() {
        #expect(S3BucketConfiguration.policy.absence(bucket: "b")?.code == "NoSuchBucketPolicy")
        #expect(S3BucketConfiguration.tagging.absence(bucket: "b")?.code == "NoSuchTagSet")
        #expect(S3BucketConfiguration.cors.absence(bucket: "b")?.status == 404)
        for answered in [S3BucketConfiguration.acl, .ownershipControls, .logging, .notification, .requestPayment, .accelerate] {
            #expect(answered.absence(bucket: "b") == nil)
        }
    }

    @Test func aclsAndTagsOfObjects() throws {
        #expect(try op("GET", "/b/k", [("acl", "")]) == .getObjectACL(bucket: "b", key: "k", versionId: nil))
        #expect(try op("GET", "/b/k", [("tagging", ""), ("versionId", "v")]) == .getObjectTagging(bucket: "b", key: "k", versionId: "v"))
        #expect(try op("DELETE", "/b/k", [("tagging", "")]) == .deleteObjectTagging(bucket: "b", key: "k", versionId: nil))
        #expect(try op("PUT", "/b/k", [("tagging", "")]) == .notImplemented("PUT ?tagging"))
        #expect(try op("PUT", "/b/k", [("acl", "")], headers: ["x-amz-acl": "private"]) == .putACL(bucket: "b", key: "k", versionId: nil))
        #expect(try op("PUT", "/b", [("acl", "")], headers: ["x-amz-acl": "bucket-owner-full-control"]) == .putACL(bucket: "b", key: nil, versionId: nil))
        // An ACL document is for the handler to read.
        #expect(try op("PUT", "/b/k", [("acl", "")], headers: ["content-length": "120"]) == .putACL(bucket: "b", key: "k", versionId: nil))
        // A public canned ACL, a grant, a canned ACL and a document at once, nothing at all.
        for headers in [["x-amz-acl": "public-read"], ["x-amz-acl": "private", "x-amz-grant-read": "id=x"],
            ["x-amz-acl": "private", "content-length": "120"], ["content-length": "120", "x-amz-grant-read": "id=x"], [:]]
        {
            #expect(err("PUT", "/b/k", [("acl", "")], headers: headers)?.code == "AccessControlListNotSupported", "\(headers)")
            #expect(err("PUT", "/b", [("acl", "")], headers: headers)?.code == "AccessControlListNotSupported", "\(headers)")
        }
    }

    @Test(arguments: ["retention", "legal-hold", "torrent", "select", "restore"])
    func unservedObjectSubresources(_ sub: String) throws {
        for method in ["GET", "PUT", "POST", "DELETE"] {
            #expect(try op(method, "/b/k", [(sub, "")]) == .notImplemented("\(method) ?\(sub)"))
        }
    }

    @Test func writesAskingForEncryptionLockTagsOrOffsetsAreRefused() throws {
        for header in ["x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm", "x-amz-object-lock-mode",
            "x-amz-object-lock-legal-hold", "x-amz-tagging", "x-amz-write-offset-bytes"]
        {
            for (method, query) in [("PUT", [(String, String?)]()), ("POST", [("uploads", nil)])] {
                let refused = try op(method, "/b/k", query, headers: [header: "x"])
                guard case .notImplemented(let what) = refused else {
                    Issue.record("\(method) with \(header) was \(refused)")
                    continue
                }
                #expect(what.hasPrefix(header + ":"))
            }
            #expect(try op("PUT", "/b/k", headers: ["x-amz-copy-source": "/b/src", header: "x"]).refusal?.code == "NotImplemented")
            guard header != "x-amz-server-side-encryption-customer-algorithm" else { continue }
            // Reads and parts are not writes of an object: a part of a refused upload cannot exist anyway.
            #expect(try op("GET", "/b/k", headers: [header: "x"]) == .getObject(bucket: "b", key: "k", .init()))
            #expect(try op("PUT", "/b/k", [("uploadId", "u"), ("partNumber", "1")], headers: [header: "x"])
                == .uploadPart(bucket: "b", key: "k", uploadId: "u", partNumber: 1))
        }
    }

    @Test func customerKeysForUnencryptedObjectsAreInvalid() {
        let sseC = ["x-amz-server-side-encryption-customer-algorithm": "AES256"]
        let sourceSSEC = ["x-amz-copy-source": "/b/src", "x-amz-copy-source-server-side-encryption-customer-algorithm": "AES256"]
        for (method, query, headers) in [
            ("GET", [(String, String?)](), sseC), ("HEAD", [], sseC), ("PUT", [("uploadId", "u"), ("partNumber", "1")], sseC),
            ("PUT", [], sourceSSEC), ("PUT", [("uploadId", "u"), ("partNumber", "1")], sourceSSEC),
        ] {
            let e = err(method, "/b/k", query, headers: headers)
            #expect(e?.code == "InvalidRequest" && e?.status == 400, "\(method) \(query) \(headers)")
            #expect(e?.message == "The encryption parameters are not applicable to this object.")
        }
    }

    @Test func aclsBeyondTheOwnersAreNotSupported() throws {
        for acl in ["private", "bucket-owner-full-control", " Private "] {
            #expect(try op("PUT", "/b/k", headers: ["x-amz-acl": acl]) == .putObject(bucket: "b", key: "k"))
            #expect(try op("PUT", "/b", headers: ["x-amz-acl": acl]) == .createBucket(bucket: "b"))
        }
        let writes: [(String, String, [(String, String?)], [String: String])] = [
            ("PUT", "/b/k", [], [:]), ("PUT", "/b/k", [], ["x-amz-copy-source": "/b/src"]), ("POST", "/b/k", [("uploads", nil)], [:]),
            ("PUT", "/b", [], [:]),
        ]
        for (method, path, query, base) in writes {
            for extra in [["x-amz-acl": "public-read"], ["x-amz-acl": "authenticated-read"], ["x-amz-grant-read": "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""],
                ["x-amz-grant-full-control": "id=someone"]]
            {
                let e = err(method, path, query, headers: base.merging(extra) { a, _ in a })
                #expect(e?.code == "AccessControlListNotSupported" && e?.status == 400, "\(method) \(path) \(extra)")
            }
        }
        // Reads and parts carry no ACL of their own.
        #expect(try op("GET", "/b/k", headers: ["x-amz-acl": "public-read"]) == .getObject(bucket: "b", key: "k", .init()))
        #expect(try op("PUT", "/b", headers: ["x-amz-bucket-object-lock-enabled": "true"]).refusal?.code == "NotImplemented")
        #expect(try op("PUT", "/b", headers: ["x-amz-bucket-object-lock-enabled": "false"]) == .createBucket(bucket: "b"))
    }

    // MARK: Objects

    @Test func objectCalls() throws {
        #expect(try op("GET", "/b/k") == .getObject(bucket: "b", key: "k", .init()))
        #expect(try op("HEAD", "/b/k") == .headObject(bucket: "b", key: "k", .init()))
        #expect(try op("PUT", "/b/k") == .putObject(bucket: "b", key: "k"))
        #expect(try op("DELETE", "/b/k") == .deleteObject(bucket: "b", key: "k", versionId: nil))
        #expect(try op("DELETE", "/b/k", [("versionId", "v1")]) == .deleteObject(bucket: "b", key: "k", versionId: "v1"))
        #expect(try op("POST", "/b/k") == .methodNotAllowed(method: "POST", resourceType: "OBJECT"))
        #expect(try op("OPTIONS", "/b/k") == .methodNotAllowed(method: "OPTIONS", resourceType: "OBJECT"))
        #expect(try op("GET", "/b/k", [("attributes", "")]) == .getObjectAttributes(bucket: "b", key: "k", versionId: nil))
        #expect(try op("GET", "/b/k", [("attributes", ""), ("versionId", "v1")]) == .getObjectAttributes(bucket: "b", key: "k", versionId: "v1"))
        for method in ["HEAD", "PUT", "POST", "DELETE"] {
            #expect(try op(method, "/b/k", [("attributes", "")]) == .notImplemented("\(method) ?attributes"))
        }
    }

    @Test func keys() throws {
        func key(_ path: String) throws(S3Error) -> String? { try op("PUT", path).key }
        #expect(try key("/b/a/b/c.txt") == "a/b/c.txt")
        #expect(try key("/b/dir/") == "dir/")
        #expect(try key("/b//") == "/")
        #expect(try key("/b/a//b") == "a//b")
        #expect(try key("/b///lead") == "//lead")
        #expect(try key("/b/a%20b") == "a b")
        #expect(try key("/b/a+b") == "a+b")
        #expect(try key("/b/a%2Bb") == "a+b")
        #expect(try key("/b/%E6%97%A5%E6%9C%AC/%F0%9F%8E%89") == "日本/🎉")
        #expect(try key("/b/日本") == "日本")
        #expect(try key("/b/a%2Fb") == "a/b")
        #expect(try key("/b/%3F%23") == "?#")
        #expect(try key("/b/ ") == " ")
    }

    @Test func keyLength() throws {
        let max = String(repeating: "k", count: 1024)
        #expect(try op("PUT", "/b/" + max).key == max)
        let e = err("PUT", "/b/" + max + "k")
        #expect(e?.code == "KeyTooLongError")
        #expect(e?.field("Size") == "1025")
        // Bytes, not characters: 342 three-byte characters are 1026 bytes.
        #expect(err("GET", "/b/" + String(repeating: "日", count: 342))?.code == "KeyTooLongError")
        #expect(err("GET", "/b/" + String(repeating: "%E6%97%A5", count: 342))?.code == "KeyTooLongError")
    }

    @Test func invalidPaths() {
        #expect(err("GET", "/b/%zz")?.code == "InvalidURI")
        #expect(err("GET", "/b/%C3")?.code == "InvalidURI")
        #expect(err("GET", "/%zz")?.code == "InvalidURI")
        #expect(err("GET", "b/k")?.code == "InvalidURI")
        #expect(err("GET", "//k")?.code == "InvalidURI")
    }

    @Test func getObjectParameters() throws {
        let q: [(String, String?)] = [
            ("versionId", "abc"), ("partNumber", "2"), ("response-content-type", "text/plain"), ("response-content-language", "fr"),
            ("response-expires", "0"), ("response-cache-control", "no-cache"), ("response-content-disposition", "attachment"),
            ("response-content-encoding", "gzip"),
        ]
        guard case .getObject(_, _, let p) = try op("GET", "/b/k", q) else {
            Issue.record("not getObject")
            return
        }
        #expect(p.versionId == "abc")
        #expect(p.partNumber == 2)
        #expect(p.overrides.headers.map(\.name) == ["Content-Type", "Content-Language", "Expires", "Cache-Control", "Content-Disposition", "Content-Encoding"])
        #expect(p.overrides.headers.map(\.value) == ["text/plain", "fr", "0", "no-cache", "attachment", "gzip"])
        #expect(!p.overrides.isEmpty)
        #expect(S3Operation.ResponseOverrides().isEmpty)
        #expect(try op("HEAD", "/b/k", [("partNumber", "1")]) == .headObject(bucket: "b", key: "k", .init(partNumber: 1)))
    }

    @Test func getObjectParameterErrors() {
        #expect(err("GET", "/b/k", [("versionId", "")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("versionId", nil)])?.code == "InvalidArgument")
        #expect(err("DELETE", "/b/k", [("versionId", "")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("partNumber", "0")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("partNumber", "10001")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("partNumber", "x")])?.code == "InvalidArgument")
        #expect(err("GET", "/b/k", [("partNumber", "1")], headers: ["range": "bytes=0-1"])?.code == "InvalidRequest")
    }

    // MARK: Copy

    @Test func copyObject() throws {
        #expect(try op("PUT", "/b/k", headers: ["x-amz-copy-source": "src/a/b"]) == .copyObject(bucket: "b", key: "k", source: S3CopySource(bucket: "src", key: "a/b")))
        #expect(try op("PUT", "/b/k", headers: ["x-amz-copy-source": "/src/a%20b?versionId=0123"])
            == .copyObject(bucket: "b", key: "k", source: S3CopySource(bucket: "src", key: "a b", versionId: "0123")))
        #expect(err("PUT", "/b/k", headers: ["x-amz-copy-source": "nokey"])?.code == "InvalidArgument")
    }

    @Test func copySourceParsing() throws {
        #expect(try S3CopySource.parse("b/k") == S3CopySource(bucket: "b", key: "k"))
        #expect(try S3CopySource.parse("/b/k") == S3CopySource(bucket: "b", key: "k"))
        #expect(try S3CopySource.parse("b/dir/") == S3CopySource(bucket: "b", key: "dir/"))
        #expect(try S3CopySource.parse("b//x") == S3CopySource(bucket: "b", key: "/x"))
        #expect(try S3CopySource.parse("b/a%3Fb") == S3CopySource(bucket: "b", key: "a?b"))
        #expect(try S3CopySource.parse("b/a+b") == S3CopySource(bucket: "b", key: "a+b"))
        #expect(try S3CopySource.parse("b/%E6%97%A5") == S3CopySource(bucket: "b", key: "日"))
        #expect(try S3CopySource.parse("b/k?versionId=v%31") == S3CopySource(bucket: "b", key: "k", versionId: "v1"))
        #expect(try S3CopySource.parse("b/k?other=1&versionId=v") == S3CopySource(bucket: "b", key: "k", versionId: "v"))
        #expect(try S3CopySource.parse("b/k?other=1") == S3CopySource(bucket: "b", key: "k"))
    }

    @Test(arguments: ["", "/", "b", "/b", "b/", "/b/", "/b/k?versionId=", "b/k?versionId", "b/%zz", "%zz/k"])
    func copySourceErrors(_ header: String) {
        #expect(s3Error { try S3CopySource.parse(header) }?.code == "InvalidArgument")
    }

    @Test func copySourceKeyTooLong() {
        #expect(s3Error { try S3CopySource.parse("b/" + String(repeating: "x", count: 1025)) }?.code == "KeyTooLongError")
    }

    // MARK: Multipart

    @Test func multipartCalls() throws {
        #expect(try op("POST", "/b/k", [("uploads", nil)]) == .createMultipartUpload(bucket: "b", key: "k"))
        #expect(try op("POST", "/b/k", [("uploads", "")]) == .createMultipartUpload(bucket: "b", key: "k"))
        #expect(try op("PUT", "/b/k", [("partNumber", "3"), ("uploadId", "u")]) == .uploadPart(bucket: "b", key: "k", uploadId: "u", partNumber: 3))
        #expect(try op("PUT", "/b/k", [("uploadId", "u"), ("partNumber", "1")], headers: ["x-amz-copy-source": "s/x"])
            == .uploadPartCopy(bucket: "b", key: "k", uploadId: "u", partNumber: 1, source: S3CopySource(bucket: "s", key: "x")))
        #expect(try op("POST", "/b/k", [("uploadId", "u")]) == .completeMultipartUpload(bucket: "b", key: "k", uploadId: "u"))
        #expect(try op("DELETE", "/b/k", [("uploadId", "u")]) == .abortMultipartUpload(bucket: "b", key: "k", uploadId: "u"))
        #expect(try op("GET", "/b/k", [("uploadId", "u")]) == .listParts(bucket: "b", key: "k", uploadId: "u", .init()))
        #expect(try op("GET", "/b/k", [("uploadId", "u"), ("max-parts", "5000"), ("part-number-marker", "7")])
            == .listParts(bucket: "b", key: "k", uploadId: "u", .init(maxParts: 1000, partNumberMarker: 7)))
        // HEAD with uploadId is a plain HEAD.
        #expect(try op("HEAD", "/b/k", [("uploadId", "u")]) == .headObject(bucket: "b", key: "k", .init()))
    }

    @Test func multipartErrors() {
        #expect(err("PUT", "/b/k", [("uploadId", "u")])?.code == "InvalidArgument")
        #expect(err("PUT", "/b/k", [("partNumber", "1")])?.code == "InvalidArgument")
        #expect(err("PUT", "/b/k", [("uploadId", "u"), ("partNumber", "0")])?.code == "InvalidArgument")
        #expect(err("PUT", "/b/k", [("uploadId", "u"), ("partNumber", "10001")])?.code == "InvalidArgument")
        #expect(err("PUT", "/b/k", [("uploadId", "u"), ("partNumber", "1")], headers: ["x-amz-copy-source": "bad"])?.code == "InvalidArgument")
    }

    // MARK: Virtual host

    @Test func virtualHostStyle() throws {
        let vh = S3RequestParser(virtualHostDomains: ["S3.Example.com"])
        #expect(try op("GET", "/", headers: ["host": "master.images.s3.example.com"], parser: vh) == .listObjectsV1(bucket: "master.images", .init()))
        #expect(try op("GET", "/a//b/", headers: ["host": "bkt.s3.example.com:30600"], parser: vh) == .getObject(bucket: "bkt", key: "a//b/", .init()))
        #expect(try op("PUT", "", headers: ["host": "bkt.S3.EXAMPLE.COM"], parser: vh) == .createBucket(bucket: "bkt"))
        #expect(try op("GET", "/k%20x", headers: ["host": "bkt.s3.example.com."], parser: vh) == .getObject(bucket: "bkt", key: "k x", .init()))
        // The bare domain, another host, or an IP literal: path-style.
        #expect(try op("GET", "/", headers: ["host": "s3.example.com"], parser: vh) == .listBuckets(.init()))
        #expect(try op("GET", "/b/k", headers: ["host": "s3.example.com:30600"], parser: vh) == .getObject(bucket: "b", key: "k", .init()))
        #expect(try op("GET", "/b/k", headers: ["host": "localhost:30600"], parser: vh) == .getObject(bucket: "b", key: "k", .init()))
        #expect(try op("GET", "/b/k", headers: ["host": "[::1]:30600"], parser: vh) == .getObject(bucket: "b", key: "k", .init()))
        #expect(try op("GET", "/b/k", headers: ["host": "xs3.example.com"], parser: vh) == .getObject(bucket: "b", key: "k", .init()))
        // Without configured domains, hosts are ignored.
        #expect(try op("GET", "/", headers: ["host": "bkt.s3.example.com"]) == .listBuckets(.init()))
        #expect(vh.virtualHostBucket("a.b.s3.example.com:1") == "a.b")
        #expect(vh.virtualHostBucket(".s3.example.com") == nil)
    }

    @Test func virtualHostKeyLimits() {
        let vh = S3RequestParser(virtualHostDomains: ["s3.local"])
        #expect(s3Error { try vh.parse(method: "GET", path: "/" + String(repeating: "k", count: 1025), query: [], headers: ["host": "b.s3.local"]) }?.code == "KeyTooLongError")
        #expect(s3Error { try vh.parse(method: "GET", path: "/%z", query: [], headers: ["host": "b.s3.local"]) }?.code == "InvalidURI")
    }

    @Test func headerClosure() throws {
        let o = try parser.parse(method: "PUT", path: "/b/k", query: []) { $0 == "x-amz-copy-source" ? "s/k" : nil }
        #expect(o == .copyObject(bucket: "b", key: "k", source: S3CopySource(bucket: "s", key: "k")))
    }

    // MARK: Operation properties

    @Test func operationProperties() throws {
        let get = try op("GET", "/b/k")
        #expect(get.bucket == "b")
        #expect(get.key == "k")
        #expect(get.name == "GetObject")
        #expect(!get.isWrite)
        #expect(get.refusal == nil)
        let list = try op("GET", "/b", [("list-type", "2")])
        #expect(list.bucket == "b")
        #expect(list.key == nil)
        #expect(list.name == "ListObjectsV2")
        #expect(S3Operation.listBuckets(.init()).bucket == nil)
        #expect(try op("PUT", "/b/k").isWrite)
        #expect(try op("POST", "/b", [("delete", nil)]).isWrite)
        #expect(try op("POST", "/b/k", [("uploadId", "u")]).isWrite)
        #expect(try !op("GET", "/b/k", [("uploadId", "u")]).isWrite)
        #expect(S3Operation.notImplemented("GET ?acl").refusal?.code == "NotImplemented")
        let mna = S3Operation.methodNotAllowed(method: "PATCH", resourceType: "OBJECT").refusal
        #expect(mna?.code == "MethodNotAllowed")
        #expect(mna?.field("Method") == "PATCH")
        #expect(mna?.field("ResourceType") == "OBJECT")
    }
}
