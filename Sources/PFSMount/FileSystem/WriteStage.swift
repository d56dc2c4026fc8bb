import PFS

/// Files being written through the mount, staged locally until they are committed.
final class WriteStage: Sendable {
    init(fs: MountFileSystem) throws {}
    func staged(_ repo: RepoID, _ branch: String, _ path: String) -> NodeAttributes? { nil }
    func isHidden(_ repo: RepoID, _ branch: String, _ path: String) -> Bool { false }
}

final class StagedFile: Sendable {}
