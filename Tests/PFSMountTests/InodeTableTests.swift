import PFS
import PFSClient
import Testing

@testable import PFSMount

@Suite struct InodeTableTests {
    let master = CommitRef.branch(RepoID("images"), "master")

    func file(_ p: String) -> MountPath { MountPath(.file(master, path: p)) }

    @Test func rootIsOneAndNeverForgotten() {
        var t = InodeTable<MountPath>(root: MountPath(.root))
        #expect(t.inode(of: MountPath(.root)) == 1)
        t.forget(1, count: 100)
        #expect(t.key(of: 1) == MountPath(.root))
    }

    @Test func numbersAreStableWhileLookedUpAndDropOnForget() {
        var t = InodeTable<MountPath>(root: MountPath(.root))
        let a = t.lookup(file("a"))
        let b = t.lookup(file("b"))
        #expect(a != b)
        #expect(t.lookup(file("a")) == a)
        t.forget(a, count: 1)
        #expect(t.key(of: a) == file("a"))
        t.forget(a, count: 1)
        #expect(t.key(of: a) == nil)
        #expect(t.inode(of: file("a")) == nil)
        // Numbers are not reused while mounted.
        let again = t.lookup(file("a"))
        #expect(again != a && again != b)
        #expect(t.count == 3)
    }

    @Test func memoryFollowsTheKernel() {
        var t = InodeTable<MountPath>(root: MountPath(.root))
        let inos = (0..<10_000).map { t.lookup(file("f\($0)")) }
        #expect(t.count == 10_001)
        for i in inos { t.forget(i, count: 1) }
        #expect(t.count == 1)
    }

    @Test("the tables give back their room once the kernel forgets most nodes; the rest keep their numbers")
    func roomFollowsTheKernel() {
        var t = InodeTable<MountPath>(root: MountPath(.root))
        let inos = (0..<100_000).map { t.lookup(file("f\($0)")) }
        #expect(t.capacity >= 100_000)
        for i in inos.dropLast(10) { t.forget(i, count: 1) }
        #expect(t.count == 11 && t.capacity < 10_000)
        for (n, i) in inos.suffix(10).enumerated() {
            #expect(t.inode(of: file("f\(99_990 + n)")) == i && t.key(of: i) == file("f\(99_990 + n)"))
        }
        #expect(!inos.contains(t.lookup(file("new"))))
    }

    @Test func renameKeepsTheNumber() {
        var t = InodeTable<MountPath>(root: MountPath(.root))
        let a = t.lookup(file("tmp"))
        t.rekey(file("tmp"), to: file("final"))
        #expect(t.inode(of: file("final")) == a)
        #expect(t.inode(of: file("tmp")) == nil)
        #expect(t.key(of: a) == file("final"))
    }
}
