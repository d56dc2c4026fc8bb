import Foundation

extension FileEntry {
    /// The description of a file version that a server sent: its content is reached through that
    /// server, never through this value.
    public init(
        size: UInt64, md5: [UInt8]?, etag: String, contentType: String, metadata: [String: String], commit: CommitID, modifiedMillis: Int64
    ) {
        self.init(
            size: size, md5: md5, etag: etag, contentType: contentType, metadata: metadata, commit: commit, modifiedMillis: modifiedMillis,
            content: .chunks([]))
    }
}
