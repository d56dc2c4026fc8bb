import Foundation
import PFS
import PFSClient
import Testing

@Suite struct LocalPFSClientTests {
    @Test func bucketVersionsMapToCommits() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-client-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client: any PFSClient = try LocalPFSClient(dataDirectory: dir)
        try await client.createRepo(RepoID("images"))
        let bucket = try BucketName(parsing: "master.images")
        let v1 = try await client.putFile(bucket.ref, path: "k", bytes: Array("one".utf8))
        let v2 = try await client.putFile(bucket.ref, path: "k", bytes: Array("two".utf8))
        #expect(v1.commit != v2.commit)
        #expect(try await client.readFile(bucket.ref(version: VersionID(v1.commit)), path: "k") == Array("one".utf8))
        #expect(try await client.readFile(bucket.ref, path: "k") == Array("two".utf8))
        // A commit-pinned bucket reads the old state.
        let pinned = try BucketName(parsing: "\(v1.commit).master.images")
        #expect(try await client.readFile(pinned.ref, path: "k") == Array("one".utf8))
        #expect(v1.etag == "f97c5d29941bfb1b2fdab0874906ab82")
    }
}
