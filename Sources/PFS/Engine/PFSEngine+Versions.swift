import Foundation

extension PFSEngine {
    /// Every version of every file under `prefix` in the history of `ref`: in key order, newest first
    /// within a key, deletions included. Walks the history commit by commit and diffs each with its
    /// parent, so it costs the size of the history's changes.
    public func listVersions(_ ref: CommitRef, prefix: String = "") async throws -> [FileVersion] {
        let head = try await resolve(ref)
        let key = VersionListKey(repo: ref.repo, commit: head.id, prefix: prefix)
        if head.finished != nil, let hit = versionLists.get(key) { return hit }
        var byKey: [String: [FileVersion]] = [:]
        var rec: CommitRecord? = head
        while let c = rec {
            let parent = try await c.parent.asyncMap { try await metadata.commit(ref.repo, $0) } ?? nil
            let time = c.finished ?? c.started
            try await TreeDiff.diff(parent?.root, c.root, prefix: Array(prefix.utf8), in: nodes) { k, _, new in
                byKey[k.string, default: []].append(FileVersion(path: k.string, commit: c.id, entry: new, time: time))
                return true
            }
            rec = parent
        }
        let versions = byKey.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.flatMap { byKey[$0]! }
        if head.finished != nil { versionLists.put(key, versions) }
        return versions
    }
}

/// Names the version list of one finished commit's history under a prefix.
struct VersionListKey: Hashable, Sendable {
    var repo: RepoID
    var commit: CommitID
    var prefix: String
}
