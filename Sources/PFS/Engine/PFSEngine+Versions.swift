import Foundation

extension PFSEngine {
    /// One page of the versions of the files under `prefix` in the history of `ref`: in key order, newest
    /// first within a key, deletions included, resuming after (`keyMarker`, `versionMarker`) as
    /// ``VersionPager/page(_:prefix:keyMarker:versionMarker:delimiter:limit:)`` says.
    ///
    /// A history whose versions are linked (every history begun by this version of pachs3) costs the size
    /// of the page; an older one is walked commit by commit once per HEAD.
    public func listVersions(
        _ ref: CommitRef, prefix: String = "", keyMarker: String? = nil, versionMarker: String? = nil, delimiter: String? = nil,
        limit: Int = 1000
    ) async throws -> VersionPage {
        let head = try await resolve(ref)
        if head.versionsLinked {
            var cursor = try await LinkedVersionCursor(head: head, source: nodes) { [self] id in
                guard let r = try await commitRecord(ref.repo, id) else { throw PFSError.corrupt("commit \(id) of repo '\(ref.repo)' is missing") }
                return r
            }
            return try await VersionPager.page(
                &cursor, prefix: prefix, keyMarker: keyMarker, versionMarker: versionMarker, delimiter: delimiter, limit: limit)
        }
        var cursor = WalkedVersionCursor(try await walkedVersions(head, prefix: prefix))
        return try await VersionPager.page(
            &cursor, prefix: prefix, keyMarker: keyMarker, versionMarker: versionMarker, delimiter: delimiter, limit: limit)
    }

    /// Every version of every file under `prefix` in the history of `head`, found by diffing each commit
    /// with its parent: in key order, newest first within a key. Costs the size of the history's changes.
    func walkedVersions(_ head: CommitRecord, prefix: String) async throws -> [FileVersion] {
        let key = VersionListKey(repo: head.repo, commit: head.id, prefix: prefix)
        if head.finished != nil, let hit = versionLists.get(key) { return hit }
        var byKey: [String: [FileVersion]] = [:]
        var rec: CommitRecord? = head
        while let c = rec {
            let parent = try await c.parent.asyncMap { try await metadata.commit(head.repo, $0) } ?? nil
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
