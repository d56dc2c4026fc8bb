import Foundation
import Glibc
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
            let pool = StagingFilePool(directory: dir)
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
            let dead = StagingFilePool(directory: dir)
            let left = try dead.take()
            #expect(pwrite(left.fd, "12345", 5, 0) == 5)
            close(left.fd)  // as a killed mount: its files stay, its lock is gone
            FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8))

            let a = StagingFilePool(directory: dir)
            #expect(a.claim() == StagingFilePool.Leftovers(files: 1, bytes: 5))
            #expect(try names(dir) == ["notes.txt"])

            let live = try a.take()
            let b = StagingFilePool(directory: dir)
            #expect(b.claim() == nil)
            #expect(FileManager.default.fileExists(atPath: live.path))

            StagingFilePool.remove(live)
            a.drain()
            #expect(b.claim() == StagingFilePool.Leftovers())
            b.drain()
        }
    }
}
