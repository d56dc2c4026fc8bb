/// A reference to a commit, as pachctl writes it: `repo@branch`, `repo@<id>`, `repo@branch=<id>`,
/// each optionally followed by `^N` or `~N` (N-th ancestor) or `.N` (N-th commit of the history, from 1).
/// A repo may be qualified with its project as `project/repo`.
public struct CommitRef: Hashable, Sendable, CustomStringConvertible {
    /// What the ref names before any ancestry suffix.
    public enum Base: Hashable, Sendable {
        case branch(String)
        case commit(CommitID)
        /// `branch=<id>`: the commit, named together with the branch it is on.
        case branchCommit(String, CommitID)
    }

    /// How far to move from the base.
    public enum Offset: Hashable, Sendable {
        case none
        /// `^N` / `~N`: the N-th ancestor.
        case ancestor(Int)
        /// `.N`: the N-th commit counted from the first commit of the history.
        case fromStart(Int)
    }

    public var repo: RepoID
    public var base: Base
    public var offset: Offset

    public init(repo: RepoID, base: Base, offset: Offset = .none) {
        self.repo = repo
        self.base = base
        self.offset = offset
    }

    /// A ref to the head of `branch`.
    public static func branch(_ repo: RepoID, _ branch: String) -> CommitRef { CommitRef(repo: repo, base: .branch(branch)) }
    /// A ref to the commit `id`.
    public static func commit(_ repo: RepoID, _ id: CommitID) -> CommitRef { CommitRef(repo: repo, base: .commit(id)) }

    /// The branch the ref names, if any.
    public var branchName: String? {
        switch base {
        case .branch(let b), .branchCommit(let b, _): return b
        case .commit: return nil
        }
    }

    public var description: String {
        var s = "\(repo)@"
        switch base {
        case .branch(let b): s += b
        case .commit(let c): s += c.rawValue
        case .branchCommit(let b, let c): s += "\(b)=\(c)"
        }
        switch offset {
        case .none: break
        case .ancestor(let n): s += "^\(n)"
        case .fromStart(let n): s += ".\(n)"
        }
        return s
    }

    /// Parses `text`; a ref without `@` means `defaultBranch` (pachctl's `repo` means `repo@master`).
    public static func parse(_ text: String, project: String = Names.defaultProject, defaultBranch: String = "master") throws -> CommitRef {
        var repoPart = Substring(text)
        var refPart: Substring = Substring(defaultBranch)
        if let at = text.firstIndex(of: "@") {
            repoPart = text[..<at]
            refPart = text[text.index(after: at)...]
            if refPart.isEmpty { throw PFSError.invalidArgument("ref '\(text)' has nothing after '@'") }
        }
        var projectName = project
        var repoName = String(repoPart)
        if let slash = repoPart.firstIndex(of: "/") {
            projectName = String(repoPart[..<slash])
            repoName = String(repoPart[repoPart.index(after: slash)...])
        }
        let repo = RepoID(repoName, project: projectName)
        try repo.validate()

        var offset = Offset.none
        var head = refPart
        if let i = refPart.firstIndex(where: { $0 == "^" || $0 == "~" || $0 == "." }) {
            head = refPart[..<i]
            let op = refPart[i]
            let numText = refPart[refPart.index(after: i)...]
            let n: Int
            if numText.isEmpty, op != "." {
                n = 1
            } else if let v = Int(numText), v >= 0 {
                n = v
            } else {
                throw PFSError.invalidArgument("ref '\(text)': '\(op)' must be followed by a non-negative number")
            }
            if op == "." {
                if n < 1 { throw PFSError.invalidArgument("ref '\(text)': commits of a branch are counted from .1") }
                offset = .fromStart(n)
            } else {
                offset = n == 0 ? .none : .ancestor(n)
            }
        }
        if head.isEmpty { throw PFSError.invalidArgument("ref '\(text)' names no branch or commit") }
        let base: Base
        if let eq = head.firstIndex(of: "=") {
            let b = String(head[..<eq])
            let c = String(head[head.index(after: eq)...])
            try Names.validateBranch(b)
            guard let id = CommitID(c) else { throw PFSError.invalidArgument("ref '\(text)': '\(c)' is not a commit ID (32 lowercase hex characters)") }
            base = .branchCommit(b, id)
        } else if let id = CommitID(String(head)) {
            base = .commit(id)
        } else {
            try Names.validateBranch(String(head))
            base = .branch(String(head))
        }
        return CommitRef(repo: repo, base: base, offset: offset)
    }
}
