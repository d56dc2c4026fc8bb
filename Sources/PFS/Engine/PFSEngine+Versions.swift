import Foundation

extension PFSEngine {
    /// Every version of every file under `prefix` in the history of `ref`: in key order, newest first
    /// within a key, deletions included. Walks the history commit by commit and diffs each with its
    /// parent, so it costs the size of the history's changes.
    public func listVersions(_ ref: CommitRef, prefix: String = "") async throws -> [FileVersion] {
        var byKey: [String: [FileVersion]] = [:]
        var rec: CommitRecord? = try await resolve(ref)
        while let c = rec {
            let parent = try await c.parent.asyncMap { try await metadata.commit(ref.repo, $0) } ?? nil
            let time = c.finished ?? c.started
            try await TreeDiff.diff(parent?.root, c.root, prefix: Array(prefix.utf8), in: nodes) { k, _, new in
                byKey[k.string, default: []].append(FileVersion(path: k.string, commit: c.id, entry: new, time: time))
                return true
            }
            rec = parent
        }
        return byKey.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.flatMap { byKey[$0]! }
    }
}
