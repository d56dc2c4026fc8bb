import PFS
import PFSClient
import Testing

@Suite struct BucketNameTests {
    @Test(arguments: [
        ("master.images", "images", "default", "master", nil as String?),
        ("images", "images", "default", "master", nil),
        ("dev.images.proj", "images", "proj", "dev", nil),
        ("0123456789abcdef0123456789abcdef.master.images", "images", "default", "master", "0123456789abcdef0123456789abcdef"),
        ("0123456789abcdef0123456789abcdef.v1.images.proj", "images", "proj", "v1", "0123456789abcdef0123456789abcdef"),
    ])
    func parses(_ name: String, _ repo: String, _ project: String, _ branch: String, _ commit: String?) throws {
        let b = try BucketName(parsing: name)
        #expect(b.repo == RepoID(repo, project: project))
        #expect(b.branch == branch)
        #expect(b.commit?.rawValue == commit)
        #expect(b.isReadOnly == (commit != nil))
    }

    @Test func formatsRoundTrip() throws {
        for name in ["master.images", "dev.images.proj", "0123456789abcdef0123456789abcdef.master.images"] {
            #expect(try BucketName(parsing: name).description == name)
        }
        #expect(try BucketName(parsing: "images").description == "master.images")
    }

    @Test(arguments: ["", "a.b.c.d.e", "a b.repo", "master..images", "0123456789abcdef0123456789abcdef.images"])
    func rejects(_ name: String) {
        #expect(throws: PFSError.self) { try BucketName(parsing: name) }
    }

    @Test func refs() throws {
        let b = try BucketName(parsing: "master.images")
        #expect(b.ref == CommitRef.branch(RepoID("images"), "master"))
        let v = try #require(VersionID("0123456789abcdef0123456789abcdef"))
        #expect(b.ref(version: v) == CommitRef.commit(RepoID("images"), v.commit))
        #expect(VersionID("null") == nil)
        #expect(VersionID("0123456789ABCDEF0123456789ABCDEF") == nil)
    }
}

@Suite struct MountPathTests {
    @Test func parsesLevels() throws {
        #expect(try MountPath(parsing: "/").level == .root)
        #expect(try MountPath(parsing: "/images").level == .repo(RepoID("images")))
        #expect(try MountPath(parsing: "/images.proj").level == .repo(RepoID("images", project: "proj")))
        let f = try MountPath(parsing: "/images/master/a/b.txt")
        #expect(f.level == .file(.branch(RepoID("images"), "master"), path: "a/b.txt"))
        #expect(!f.isReadOnly)
        let s = try MountPath(parsing: "/images/@0123456789abcdef0123456789abcdef/x")
        #expect(s.level == .file(.commit(RepoID("images"), CommitID("0123456789abcdef0123456789abcdef")!), path: "x"))
        #expect(s.isReadOnly)
    }

    @Test func formatsRoundTrip() throws {
        for p in ["/", "/images", "/images.proj", "/images/master", "/images/master/a/b", "/images/@0123456789abcdef0123456789abcdef/x"] {
            #expect(try MountPath(parsing: p).description == p)
        }
    }

    @Test func rejectsBadNames() {
        #expect(throws: PFSError.self) { try MountPath(parsing: "/bad name/master") }
        #expect(throws: PFSError.self) { try MountPath(parsing: "/images/@nothex") }
    }
}

@Suite struct FileRefTests {
    @Test func parses() throws {
        let a = try FileRef.parse("images@master:/a/b.txt")
        #expect(a.commit == .branch(RepoID("images"), "master"))
        #expect(a.path == "a/b.txt")
        let b = try FileRef.parse("images@master^2")
        #expect(b.commit.offset == .ancestor(2))
        #expect(b.path == "")
        let c = try FileRef.parse("proj/images@dev:x")
        #expect(c.commit.repo == RepoID("images", project: "proj"))
        #expect(c.path == "x")
    }
}
