import CPFSSystem
import Foundation
import Glibc
import PFS

/// Where a closed staged file belongs, kept with its local file as an extended attribute so that a mount
/// that dies before committing it does not lose it: the next mount of the same source on the same cache
/// directory stages the file again.
///
/// Only a closed file whose local file holds all its bytes has a record; a file open for writing never
/// does, so a half-written file is never brought back.
struct StagedFileRecord: Codable, Equatable, Sendable {
    /// The attribute that holds the record.
    static let attribute = "user.pachs3.staged"

    /// The mount's source (data directory or server address): a record is only taken up by a mount of it.
    var source: String
    var project: String
    var repo: String
    var branch: String
    var path: String
    /// Seconds since 1970.
    var mtime: Double

    init(source: String, branch: WriteStage.Branch, path: String, mtime: Date) {
        self.source = source
        project = branch.repo.project
        repo = branch.repo.name
        self.branch = branch.name
        self.path = path
        self.mtime = mtime.timeIntervalSince1970
    }

    var stageBranch: WriteStage.Branch { WriteStage.Branch(repo: RepoID(repo, project: project), name: branch) }

    /// Records `self` on the open file; the errno when the file system cannot keep it.
    func write(to fd: Int32) -> Int32? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let bytes = try? encoder.encode(self) else { return EINVAL }
        let rc = bytes.withUnsafeBytes { fsetxattr(fd, Self.attribute, $0.baseAddress, $0.count, 0) }
        return rc == 0 ? nil : errno
    }

    /// Drops the record of the open file, if it has one.
    static func clear(_ fd: Int32) {
        _ = fremovexattr(fd, attribute)
    }

    /// The record of the file at `path`, or nil if it has none (or none that decodes).
    static func read(_ path: String) -> StagedFileRecord? {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = buffer.withUnsafeMutableBytes { getxattr(path, attribute, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return try? JSONDecoder().decode(StagedFileRecord.self, from: Data(buffer[..<n]))
    }
}
