import Foundation
import PFS
import Testing

@testable import PFSMount

@Suite struct ChangeJournalTests {
    let b = WriteStage.Branch(repo: RepoID("images"), name: "master")
    let other = WriteStage.Branch(repo: RepoID("logs", project: "ops"), name: "dev")

    func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    @Test("a journal replays its changes in order, per branch and per source; a torn last line is skipped")
    func replay() throws {
        try withDirectory { dir in
            let j = ChangeJournal(directory: dir, source: "store-a")
            #expect(j.open(log: { _ in }).isEmpty)
            j.append([.init(.delete, b, "a.txt"), .init(.mkdir, b, "new"), .init(.delete, b, "b.txt"), .init(.mkdir, other, "x/y")])
            j.append([.init(.undelete, b, "b.txt"), .init(.mkdir, b, "gone"), .init(.unmkdir, b, "gone"), .init(.delete, other, "dir/")])
            let torn = try FileHandle(forWritingTo: URL(fileURLWithPath: j.path))
            torn.seekToEndOfFile()
            torn.write(Data(#"{"op":"delete","project":"default","repo":"images","bra"#.utf8))
            try torn.close()

            let next = ChangeJournal(directory: dir, source: "store-a")
            let pending = next.open(log: { _ in })
            #expect(pending == [b: .init(deleted: ["a.txt"], dirs: ["new"]), other: .init(deleted: ["dir/"], dirs: ["x/y"])])
            // Another source's journal is another file.
            #expect(ChangeJournal(directory: dir, source: "store-b").open(log: { _ in }).isEmpty)

            next.reset()
            #expect(ChangeJournal(directory: dir, source: "store-a").open(log: { _ in }).isEmpty)
            next.append([.init(.delete, b, "c.txt")])
            next.close(pending: true)
            #expect(FileManager.default.fileExists(atPath: next.path))
            let last = ChangeJournal(directory: dir, source: "store-a")
            #expect(last.open(log: { _ in }) == [b: .init(deleted: ["c.txt"])])
            last.close(pending: false)
            #expect(!FileManager.default.fileExists(atPath: last.path))
        }
    }
}
