/// Where a file's version history continues before a version: the version it replaced, or the
/// deletion it followed (with the version that deletion removed).
///
/// Following these links from a commit's tree lists a key's versions with a point lookup per version,
/// whatever the length of the branch's history.
enum VersionLink: Hashable, Sendable {
    /// The version written by this commit.
    case put(CommitID)
    /// A deletion made by the first commit, of the version written by the second.
    case deleted(CommitID, before: CommitID)

    /// Every commit this link names.
    var commits: [CommitID] {
        switch self {
        case .put(let c): [c]
        case .deleted(let d, let before): [d, before]
        }
    }

    /// The commit this link names first.
    var commit: CommitID {
        switch self {
        case .put(let c), .deleted(let c, _): c
        }
    }
}
