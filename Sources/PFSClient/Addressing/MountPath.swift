public import PFS

/// A path in the FUSE mount: `/<repo>[.<project>]/<branch>/<file>` follows the branch HEAD,
/// `/<repo>[.<project>]/@<commitID>/<file>` is a read-only commit snapshot.
public struct MountPath: Hashable, Sendable, CustomStringConvertible {
    public enum Level: Hashable, Sendable {
        /// `/`
        case root
        /// `/<repo>`
        case repo(RepoID)
        /// `/<repo>/<branch or @commit>[/<path>]`; `path` is empty at the top of the ref.
        case file(CommitRef, path: String)
    }

    public var level: Level

    public init(_ level: Level) { self.level = level }

    /// Parses an absolute mount path; throws ``PFSError/invalidArgument(_:)`` or ``PFSError/notFound(_:)``-free errors only for malformed names.
    public init(parsing path: String) throws {
        let comps = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let first = comps.first else {
            level = .root
            return
        }
        let repo: RepoID
        if let dot = first.firstIndex(of: ".") {
            repo = RepoID(String(first[..<dot]), project: String(first[first.index(after: dot)...]))
        } else {
            repo = RepoID(first)
        }
        try repo.validate()
        guard comps.count > 1 else {
            level = .repo(repo)
            return
        }
        let refName = comps[1]
        let ref: CommitRef
        if refName.hasPrefix("@") {
            guard let id = CommitID(String(refName.dropFirst())) else {
                throw PFSError.invalidArgument("'\(refName)' is not @ followed by a commit ID")
            }
            ref = .commit(repo, id)
        } else {
            try Names.validateBranch(refName)
            ref = .branch(repo, refName)
        }
        level = .file(ref, path: comps.dropFirst(2).joined(separator: "/"))
    }

    /// Whether writes are refused here (the root, a repo directory, or a commit snapshot).
    public var isReadOnly: Bool {
        guard case .file(let ref, _) = level, case .branch = ref.base else { return true }
        return false
    }

    public var description: String {
        switch level {
        case .root: return "/"
        case .repo(let r): return "/" + Self.repoComponent(r)
        case .file(let ref, let path):
            var s = "/" + Self.repoComponent(ref.repo) + "/"
            switch ref.base {
            case .branch(let b): s += b
            case .commit(let c), .branchCommit(_, let c): s += "@" + c.rawValue
            }
            return path.isEmpty ? s : s + "/" + path
        }
    }

    static func repoComponent(_ r: RepoID) -> String { r.project == Names.defaultProject ? r.name : "\(r.name).\(r.project)" }
}
