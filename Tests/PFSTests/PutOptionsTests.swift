import Foundation
import Testing

@testable import PFS

@Suite("conditional and verified puts")
struct PutOptionsTests {
    @Test("If-None-Match: * refuses an existing key and commits nothing")
    func absentPrecondition() async throws {
        try await withEngine("put-absent") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let first = try await engine.putFile(ref, path: "k", from: [Array("one".utf8)].async, options: PutOptions(precondition: .absent))
            await expectPFSError(.preconditionFailed) {
                try await engine.putFile(ref, path: "k", from: [Array("two".utf8)].async, options: PutOptions(precondition: .absent))
            }
            #expect(try await engine.listCommits(repo, from: ref).count == 1)
            #expect(try await engine.inspectCommit(ref).id == first.commit)
            #expect(try await collect(engine.getFile(ref, path: "k")) == Array("one".utf8))
        }
    }

    @Test("If-Match compares the current ETag")
    func etagPrecondition() async throws {
        try await withEngine("put-etag") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            await expectPFSError(.notFound) {
                try await engine.putFile(ref, path: "k", from: [Array("x".utf8)].async, options: PutOptions(precondition: .etag("*")))
            }
            let v1 = try await engine.putFile(ref, path: "k", from: [Array("one".utf8)].async)
            await expectPFSError(.preconditionFailed) {
                try await engine.putFile(ref, path: "k", from: [Array("two".utf8)].async, options: PutOptions(precondition: .etag("\"0000\"")))
            }
            let v2 = try await engine.putFile(
                ref, path: "k", from: [Array("two".utf8)].async, options: PutOptions(precondition: .etag("\"\(v1.etag)\"")))
            #expect(v2.commit != v1.commit)
            #expect(try await engine.listCommits(repo, from: ref).count == 2)
        }
    }

    @Test("a conditional delete happens only when every condition holds at its commit: the file exists with that ETag")
    func conditionalDelete() async throws {
        try await withEngine("delete-if-match") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let a = try await engine.putFile(ref, path: "a", from: [Array("one".utf8)].async)
            _ = try await engine.putFile(ref, path: "b", from: [Array("two".utf8)].async)
            let head = try await engine.inspectCommit(ref).id
            await expectPFSError(.preconditionFailed) { try await engine.deleteFiles(ref, paths: ["a", "b"], ifMatch: ["a": "\"0000\""]) }
            await expectPFSError(.notFound) { try await engine.deleteFiles(ref, paths: ["b", "gone"], ifMatch: ["gone": "*"]) }
            await expectPFSError(.invalidArgument) { try await engine.deleteFiles(ref, paths: ["b"], ifMatch: ["a": "*"]) }
            #expect(try await engine.inspectCommit(ref).id == head)
            #expect(try await collect(engine.getFile(ref, path: "b")) == Array("two".utf8))
            try await engine.deleteFiles(ref, paths: ["a", "b"], ifMatch: ["a": "\"\(a.etag)\"", "b": "*"])
            #expect(try await engine.listFiles(ref).files.isEmpty)
        }
    }

    @Test("a copy and a completed upload check their destination's condition atomically; refused, the upload stays open")
    func copyAndCompleteConditions() async throws {
        try await withEngine("write-conditions") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            let k = try await engine.putFile(ref, path: "k", from: [Array("one".utf8)].async)
            await expectPFSError(.preconditionFailed) { try await engine.copyFile(from: ref, path: "k", to: ref, path: "k", precondition: .absent) }
            await expectPFSError(.notFound) { try await engine.copyFile(from: ref, path: "k", to: ref, path: "new", precondition: .etag("*")) }
            await expectPFSError(.invalidArgument) { try await engine.copyFile(from: ref, path: "", to: ref, path: "all/", precondition: .absent) }
            try await engine.copyFile(from: ref, path: "k", to: ref, path: "new", precondition: .absent)

            let u = try await engine.createUpload(ref, path: "k")
            let p = try await engine.putPart(u.id, number: 1, from: [Array("two".utf8)].async)
            let head = try await engine.inspectCommit(ref).id
            await expectPFSError(.preconditionFailed) {
                try await engine.completeUpload(u.id, parts: [(1, p.etag)], minimumPartSize: 1, precondition: .absent)
            }
            #expect(try await engine.inspectCommit(ref).id == head)
            _ = try await engine.inspectUpload(u.id)
            let done = try await engine.completeUpload(u.id, parts: [(1, p.etag)], minimumPartSize: 1, precondition: .etag(k.etag))
            #expect(done.commit != head)
            #expect(try await collect(engine.getFile(ref, path: "k")) == Array("two".utf8))
        }
    }

    @Test("a wrong expected MD5 commits nothing")
    func badDigest() async throws {
        try await withEngine("put-md5") { engine, _ in
            let repo = RepoID("r")
            try await engine.createRepo(repo)
            let ref = CommitRef.branch(repo, "master")
            await expectPFSError(.badDigest) {
                try await engine.putFile(ref, path: "k", from: [Array("data".utf8)].async, options: PutOptions(expectedMD5: [UInt8](repeating: 0, count: 16)))
            }
            await expectPFSError(.notFound) { try await engine.inspectCommit(ref) }
            let md5: [UInt8] = [0x8d, 0x77, 0x7f, 0x38, 0x5d, 0x3d, 0xfe, 0xc8, 0x81, 0x5d, 0x20, 0xf7, 0x49, 0x60, 0x26, 0xdc]
            let ok = try await engine.putFile(ref, path: "k", from: [Array("data".utf8)].async, options: PutOptions(expectedMD5: md5))
            #expect(ok.etag == "8d777f385d3dfec8815d20f7496026dc")
        }
    }
}
