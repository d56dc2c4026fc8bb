import Testing

@testable import PFSMount

@Suite struct MountTableTests {
    @Test("mountinfo paths decode their octal escapes; a backslash that starts no escape stays")
    func unescape() {
        #expect(MountTable.unescape(#"/mnt/my\040data"#) == "/mnt/my data")
        #expect(MountTable.unescape(#"/a\011b\012c\134d"#) == "/a\tb\nc\\d")
        #expect(MountTable.unescape(#"/x\09y"#) == #"/x\09y"#)
        #expect(MountTable.unescape(#"/end\04"#) == #"/end\04"#)
        #expect(MountTable.unescape("/plain") == "/plain")
    }

    @Test("the device of a mount point comes from /proc/self/mountinfo; a path nothing is mounted on has none")
    func device() {
        let root = MountTable.device(mountedAt: "/")
        #expect(root?.split(separator: ":").count == 2)
        #expect(MountTable.device(mountedAt: "/no/such/mount/point") == nil)
    }
}
