import Foundation
import Glibc
import PFS

/// What the mount knows of a node: its kind, and for a file, the stored version.
struct NodeAttributes: Sendable {
    enum Kind: Sendable { case directory, file }

    var kind: Kind
    var size: UInt64 = 0
    var modified: Date?
    /// The stored version of a file (nil for directories and staged files).
    var entry: FileEntry?
    /// The commit this node was read from.
    var commit: CommitID?
    var readOnly: Bool

    static func directory(commit: CommitID? = nil, readOnly: Bool, modified: Date? = nil) -> NodeAttributes {
        NodeAttributes(kind: .directory, modified: modified, commit: commit, readOnly: readOnly)
    }

    static func file(_ entry: FileEntry, commit: CommitID?, readOnly: Bool) -> NodeAttributes {
        NodeAttributes(
            kind: .file, size: entry.size, modified: entry.metadata["mtime"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } ?? entry.modified,
            entry: entry, commit: commit, readOnly: readOnly)
    }

    /// Identifies the content, so the kernel keeps its cached pages only while it is unchanged.
    var contentIdentity: String? { entry.map { "\($0.commit.rawValue)/\($0.etag)/\($0.size)" } }

    func stat(inode: UInt64, uid: uid_t, gid: gid_t) -> stat {
        var st = Glibc.stat()
        st.st_ino = UInt(inode)
        switch kind {
        case .directory:
            st.st_mode = S_IFDIR | (readOnly ? 0o555 : 0o755)
            st.st_nlink = 2
            st.st_size = 4096
        case .file:
            st.st_mode = S_IFREG | (readOnly ? 0o444 : 0o644)
            st.st_nlink = 1
            st.st_size = Int(clamping: size)
            st.st_blocks = Int((size + 511) / 512)
        }
        st.st_blksize = 1 << 20
        st.st_uid = uid
        st.st_gid = gid
        let t = modified ?? Date(timeIntervalSince1970: 0)
        let secs = t.timeIntervalSince1970
        let ts = timespec(tv_sec: Int(secs.rounded(.down)), tv_nsec: Int((secs - secs.rounded(.down)) * 1e9))
        st.st_mtim = ts
        st.st_ctim = ts
        st.st_atim = ts
        return st
    }
}
