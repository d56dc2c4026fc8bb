import Foundation
public import PFS
import SwiftProtobuf

extension PfsV2_FileInfo {
    /// A file or directory as Pachyderm shows it (path with a leading `/`, directories with a
    /// trailing one), plus pachs3's attributes in fields numbered from 1000 that Pachyderm's
    /// clients skip.
    public init(_ info: FileInfo, commit: PfsV2_Commit) {
        self.init()
        file.commit = commit
        switch info.kind {
        case .file:
            file.path = WirePath.path(info.path)
            fileType = .file
        case .directory:
            file.path = WirePath.path(info.path.hasSuffix("/") || info.path.isEmpty ? info.path : info.path + "/")
            fileType = .dir
        }
        if let entry = info.entry {
            committed = Google_Protobuf_Timestamp(date: entry.modified)
            sizeBytes = Int64(clamping: entry.size)
            if let md5 = entry.md5 { hash = Data(md5) }
            etag = entry.etag
            contentType = entry.contentType
            metadata = entry.metadata
            commitID = entry.commit.rawValue
            modifiedMillis = entry.modifiedMillis
            if let c = entry.checksum {
                checksumAlgorithm = c.algorithm.rawValue
                checksum = Data(c.value)
                checksumParts = UInt32(clamping: c.parts ?? 0)
            }
            if let sizes = entry.partSizes { partSizes = sizes }
            if let sums = entry.partChecksums { partChecksums = sums.map { Data($0.value) } }
        }
    }

    /// A directory that exists because keys are under it.
    public init(directory key: String, commit: PfsV2_Commit) {
        self.init()
        file.commit = commit
        file.path = WirePath.path(key)
        fileType = .dir
    }

    public func model() -> FileInfo {
        let key = WirePath.key(file.path)
        let kind: FileInfo.Kind = fileType == .dir ? .directory : .file
        guard let commit = CommitID(commitID) else { return FileInfo(path: key, kind: kind, entry: nil) }
        var entry = FileEntry(
            size: UInt64(clamping: sizeBytes), md5: hash.isEmpty ? nil : Array(hash), etag: etag, contentType: contentType,
            metadata: metadata, commit: commit, modifiedMillis: modifiedMillis)
        // A checksum this side does not understand is dropped rather than misreported.
        entry.checksum = ContentChecksum.Algorithm(rawValue: checksumAlgorithm).flatMap {
            ContentChecksum($0, value: Array(checksum), parts: checksumParts == 0 ? nil : Int(checksumParts))
        }
        if !partSizes.isEmpty { entry.partSizes = partSizes }
        if let a = entry.checksum?.algorithm, !partChecksums.isEmpty {
            let sums = partChecksums.compactMap { ContentChecksum(a, value: Array($0)) }
            if sums.count == partChecksums.count { entry.partChecksums = sums }
        }
        return FileInfo(path: key, kind: kind, entry: entry)
    }
}
