import Foundation
import PFS
import PFSClient

/// One open directory: its entries, read page by page from the commit it was opened on, so a directory
/// of millions of files is listed in bounded memory. Offsets count entries from 1.
actor DirectoryHandle {
    struct Entry: Sendable {
        var name: String
        /// nil for `.` and `..`, which keep `fixedInode`.
        var key: MountPath?
        var attributes: NodeAttributes
        var fixedInode: UInt64?
    }

    enum Source: Sendable {
        /// Entries known in full when the directory was opened (the root, a repo).
        case fixed([Entry])
        /// The files under `prefix` in a commit (nil: an empty branch); its directories show `modified`.
        case tree(ref: CommitRef, commit: CommitID?, prefix: String, readOnly: Bool, modified: Date?)
    }

    private let client: any PFSClient
    private let source: Source
    private let dots: [Entry]
    private let hide: Set<String>
    private let hidden: @Sendable ([String]) -> Void

    private var entries: [Entry] = []
    /// The offset of `entries[0]` minus one.
    private var base = 0
    private var marker: String?
    private var exhausted = false
    private var filter = DirectoryEntryFilter<Entry>()

    /// - Parameters:
    ///   - dots: `.`, `..` and the staged entries, listed first.
    ///   - hide: names of the committed listing not to show (deleted or staged through the mount).
    init(client: any PFSClient, source: Source, dots: [Entry], hide: Set<String> = [], hidden: @escaping @Sendable ([String]) -> Void) {
        self.client = client
        self.source = source
        self.dots = dots
        self.hide = hide
        self.hidden = hidden
        (entries, exhausted) = Self.start(source, dots)
    }

    private static func start(_ source: Source, _ dots: [Entry]) -> ([Entry], Bool) {
        switch source {
        case .fixed(let list): return (dots + list, true)
        case .tree(_, let commit, _, _, _): return (dots, commit == nil)
        }
    }

    private func reset() {
        base = 0
        marker = nil
        filter = DirectoryEntryFilter<Entry>()
        (entries, exhausted) = Self.start(source, dots)
    }

    /// Up to `count` entries starting after `offset`, each with the offset of the entry after it.
    func entries(after offset: Int, count: Int) async throws -> [(next: Int, entry: Entry)] {
        if offset < base { reset() }
        while entries.count < offset - base + count, !exhausted { try await loadPage() }
        let drop = min(offset - base, entries.count)
        entries.removeFirst(drop)
        base += drop
        return entries.prefix(count).enumerated().map { (base + $0.offset + 1, $0.element) }
    }

    private func loadPage() async throws {
        guard case .tree(let ref, let commit?, let prefix, let readOnly, let modified) = source else {
            exhausted = true
            return
        }
        let cref = CommitRef.commit(ref.repo, commit)
        let page = try await client.listFiles(cref, prefix: prefix, startAfter: marker, delimiter: "/", limit: 1000)
        // Files and common prefixes come separately, each in key order: merge them.
        var fi = page.files.makeIterator()
        var pi = page.commonPrefixes.makeIterator()
        var f = fi.next()
        var p = pi.next()
        while f != nil || p != nil {
            let takeFile: Bool
            if let ff = f, let pp = p {
                takeFile = Array(ff.path.utf8).lexicographicallyPrecedes(Array(pp.utf8))
            } else {
                takeFile = f != nil
            }
            if takeFile, let file = f {
                let name = String(file.path.dropFirst(prefix.count))
                if !name.isEmpty, !hide.contains(name), let e = file.entry {
                    let key = MountPath(.file(ref, path: file.path))
                    let entry = Entry(name: name, key: key, attributes: .file(e, commit: commit, readOnly: readOnly))
                    entries += filter.add(.init(name: name, isDirectory: false, payload: entry)).map(\.payload)
                }
                f = fi.next()
            } else if let cp = p {
                let name = String(cp.dropFirst(prefix.count).dropLast())
                if hide.contains(name) {
                    p = pi.next()
                    continue
                }
                let key = MountPath(.file(ref, path: String(cp.dropLast())))
                let entry = Entry(name: name, key: key, attributes: .directory(commit: commit, readOnly: readOnly, modified: modified))
                entries += filter.add(.init(name: name, isDirectory: true, payload: entry)).map(\.payload)
                p = pi.next()
            }
        }
        marker = page.nextMarker
        if !page.isTruncated || marker == nil {
            exhausted = true
            entries += filter.finish().map(\.payload)
        }
        let h = filter.takeHidden()
        if !h.isEmpty { hidden(h.map { prefix + $0 }) }
    }
}
