import Testing

@testable import PFSMount

@Suite struct PosixNamesTests {
    @Test(arguments: ["a", "a.txt", "..a", "...", "ü", String(repeating: "x", count: 255)])
    func shows(_ name: String) { #expect(PosixNames.isVisible(name)) }

    @Test(arguments: ["", ".", "..", String(repeating: "x", count: 256), String(repeating: "é", count: 128)])
    func hides(_ name: String) { #expect(!PosixNames.isVisible(name)) }

    @Test func paths() {
        #expect(PosixNames.isVisiblePath("a/b/c"))
        #expect(PosixNames.isVisiblePath("a/b/"))
        #expect(!PosixNames.isVisiblePath("a//b"))
        #expect(!PosixNames.isVisiblePath("a/./b"))
        #expect(!PosixNames.isVisiblePath("../b"))
        #expect(!PosixNames.isVisiblePath("/a"))
    }

    func run(_ children: [(String, Bool)]) -> (shown: [String], hidden: [String]) {
        var f = DirectoryEntryFilter<Int>()
        var out: [String] = []
        for (i, c) in children.enumerated() {
            out += f.add(.init(name: c.0, isDirectory: c.1, payload: i)).map { $0.name + ($0.isDirectory ? "/" : "") }
        }
        out += f.finish().map(\.name)
        return (out, f.takeHidden())
    }

    @Test func aDirectoryShadowsAFileOfTheSameName() {
        // Key order: "a" < "a-b" < "a.txt" < "a/" < "b".
        let r = run([("a", false), ("a-b", false), ("a.txt", false), ("a", true), ("b", false)])
        #expect(Set(r.shown) == ["a-b", "a.txt", "a/", "b"])
        #expect(r.hidden.isEmpty)
    }

    @Test func filesAreReleasedOnceTheirDirectoryKeyIsPassed() {
        var f = DirectoryEntryFilter<Int>()
        #expect(f.add(.init(name: "a", isDirectory: false, payload: 0)).isEmpty)
        #expect(f.add(.init(name: "b", isDirectory: false, payload: 1)).map(\.name) == ["a"])
    }

    @Test func hidesWhatPOSIXCannotShow() {
        let r = run([("", true), (".", false), ("..", true), ("ok", false), (String(repeating: "z", count: 300), false)])
        #expect(r.shown == ["ok"])
        #expect(r.hidden.count == 4)
    }
}
