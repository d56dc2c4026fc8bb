import Testing

@testable import PFSMount

@Suite struct KernelReadaheadTests {
    @Test("mountinfo paths decode their octal escapes; a backslash that starts no escape stays")
    func unescape() {
        #expect(KernelReadahead.unescape(#"/mnt/my\040data"#) == "/mnt/my data")
        #expect(KernelReadahead.unescape(#"/a\011b\012c\134d"#) == "/a\tb\nc\\d")
        #expect(KernelReadahead.unescape(#"/x\09y"#) == #"/x\09y"#)
        #expect(KernelReadahead.unescape(#"/end\04"#) == #"/end\04"#)
        #expect(KernelReadahead.unescape("/plain") == "/plain")
    }

    @Test("the device of a mount point comes from /proc/self/mountinfo; a path nothing is mounted on has none")
    func device() {
        let root = KernelReadahead.device(mountedAt: "/")
        #expect(root?.split(separator: ":").count == 2)
        #expect(KernelReadahead.device(mountedAt: "/no/such/mount/point") == nil)
    }
}
