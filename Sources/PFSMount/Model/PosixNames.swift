/// What a POSIX tree can show of the keys of a commit (DESIGN §2): a key is shown only if each of its
/// components is a valid file name, and a directory shadows a file of the same name.
public enum PosixNames {
    /// The longest file name Linux accepts, in bytes.
    public static let maxNameBytes = 255

    /// Whether `name` can appear as one entry of a directory.
    public static func isVisible(_ name: Substring) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= maxNameBytes && !name.utf8.contains(0)
    }

    public static func isVisible(_ name: String) -> Bool { isVisible(Substring(name)) }

    /// Whether every component of the key `path` (without a trailing `/` for directory markers) is visible.
    public static func isVisiblePath(_ path: String) -> Bool {
        var p = Substring(path)
        if p.hasSuffix("/") { p = p.dropLast() }
        return p.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isVisible)
    }
}

/// Turns the children of a directory, read in key order, into directory entries: hides names a POSIX
/// tree cannot show and files shadowed by a directory of the same name.
///
/// A file `a` sorts before the directory `a/` with keys such as `a-b` or `a.txt` in between, so a file is
/// held back until the keys have passed `a/`.
struct DirectoryEntryFilter<Payload> {
    struct Child {
        var name: String
        var isDirectory: Bool
        var payload: Payload
    }

    private var pending: [Child] = []
    /// Names hidden so far (for one log line each).
    private(set) var hidden: [String] = []

    /// Feeds the next child in key order (a directory's key is its name followed by `/`); returns the entries now certain.
    mutating func add(_ child: Child) -> [Child] {
        guard PosixNames.isVisible(child.name) else {
            hidden.append(child.name)
            return []
        }
        let key = Array(child.name.utf8) + (child.isDirectory ? [0x2F] : [])
        var out: [Child] = []
        pending.removeAll { file in
            let passed = Self.less(Array(file.name.utf8) + [0x2F], key)
            if passed { out.append(file) }
            return passed
        }
        if child.isDirectory {
            pending.removeAll { $0.name == child.name }
            out.append(child)
        } else {
            pending.append(child)
        }
        return out
    }

    /// The entries still held back, once every child has been fed.
    mutating func finish() -> [Child] {
        defer { pending = [] }
        return pending
    }

    mutating func takeHidden() -> [String] {
        defer { hidden = [] }
        return hidden
    }

    private static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
}
