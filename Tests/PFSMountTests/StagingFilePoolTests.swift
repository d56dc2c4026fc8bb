import CPFSSystem
import Foundation
import Glibc
import PFS
import Testing

@testable import PFSMount

@Suite struct StagingFilePoolTests {
    func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-pool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    func names(_ dir: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") })
    }

    @Test("files come back empty, at most the capacity are kept, and drain removes them")
    func reuse() throws {
        try withDirectory { dir in
            let pool = StagingFilePool(directory: dir, source: "store-a")
            let files = try (0..<(StagingFilePool.capacity + 3)).map { _ in try pool.take() }
            for f in files { #expect(pwrite(f.fd, "data", 4, 100) == 4) }
            for f in files { pool.giveBack(f) }
            #expect(try names(dir).count == StagingFilePool.capacity)
            let again = try pool.take()
            var st = stat()
            #expect(fstat(again.fd, &st) == 0 && st.st_size == 0)
            #expect(files.contains { $0.path == again.path })
            pool.giveBack(again)
            pool.drain()
            #expect(try names(dir).isEmpty)
        }
    }

    @Test("claim removes what a dead pool left, only files it names, and nothing while another pool holds the directory")
    func claim() throws {
        try withDirectory { dir in
            let dead = StagingFilePool(directory: dir, source: "store-a")
            let left = try dead.take()
            #expect(pwrite(left.fd, "12345", 5, 0) == 5)
            close(left.fd)  // as a killed mount: its files stay, its lock is gone
            #expect(FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8)))

            let a = StagingFilePool(directory: dir, source: "store-a")
            let found = try #require(a.claim())
            #expect(found.removed == 1 && found.removedBytes == 5 && found.recovered.isEmpty && found.foreign == 0)
            #expect(try names(dir) == ["notes.txt"])

            let live = try a.take()
            let b = StagingFilePool(directory: dir, source: "store-a")
            #expect(b.claim() == nil)
            #expect(FileManager.default.fileExists(atPath: live.path))

            StagingFilePool.remove(live)
            a.drain()
            let none = try #require(b.claim())
            #expect(none.removed == 0 && none.recovered.isEmpty && none.foreign == 0)
            b.drain()
        }
    }

    @Test("claim hands back closed files recorded by the same source, leaves another source's, removes unrecorded and emptied ones")
    func claimRecovers() throws {
        try withDirectory { dir in
            let dead = StagingFilePool(directory: dir, source: "store-a")
            let branch = WriteStage.Branch(repo: RepoID("r", project: "p"), name: "master")
            let mtime = Date(timeIntervalSince1970: 1_700_000_000.5)
            func staged(_ pool: StagingFilePool, _ body: String, record: StagedFileRecord?) throws -> StagingFilePool.File {
                let f = try pool.take()
                #expect(pwrite(f.fd, body, body.utf8.count, 0) == body.utf8.count)
                if let record { #expect(record.write(to: f.fd) == nil) }
                return f
            }
            let mine = try staged(dead, "closed bytes", record: StagedFileRecord(source: "store-a", branch: branch, path: "dir/ä b.txt", mtime: mtime))
            let open = try staged(dead, "half writ", record: nil)
            let other = try staged(dead, "theirs", record: StagedFileRecord(source: "server:30650", branch: branch, path: "x", mtime: mtime))
            // A record that does not decode counts as none: the file is removed, not committed somewhere.
            let garbled = try staged(dead, "junk", record: nil)
            #expect(fsetxattr(garbled.fd, StagedFileRecord.attribute, "{not json", 9, 0) == 0)
            // An emptied spare's record is dropped with its bytes.
            let spare = try staged(dead, "gone", record: StagedFileRecord(source: "store-a", branch: branch, path: "y", mtime: mtime))
            dead.giveBack(spare)
            for f in [mine, open, other, spare, garbled] { close(f.fd) }

            let next = StagingFilePool(directory: dir, source: "store-a")
            let found = try #require(next.claim())
            #expect(found.removed == 3 && found.removedBytes == 13)
            #expect(found.foreign == 1)
            try #require(found.recovered.count == 1)
            let (file, record) = found.recovered[0]
            #expect(file.path == mine.path)
            #expect(record == StagedFileRecord(source: "store-a", branch: branch, path: "dir/ä b.txt", mtime: mtime))
            #expect(record.stageBranch == branch)
            var buf = [UInt8](repeating: 0, count: 64)
            #expect(pread(file.fd, &buf, 64, 0) == 12)
            #expect(try names(dir) == [(mine.path as NSString).lastPathComponent, (other.path as NSString).lastPathComponent])
            // Once given back (committed), the file no longer carries a record.
            next.giveBack(file)
            #expect(StagedFileRecord.read(file.path) == nil)
            next.drain()
        }
    }
}
