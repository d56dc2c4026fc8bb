public import PFS

/// An S3 version ID: the ID of the commit that wrote the object version.
public struct VersionID: Hashable, Sendable, CustomStringConvertible {
    public var commit: CommitID

    public init(_ commit: CommitID) { self.commit = commit }

    /// Parses a version ID; nil unless it is a commit ID.
    public init?(_ string: String) {
        guard let c = CommitID(string) else { return nil }
        commit = c
    }

    public var description: String { commit.rawValue }
}
