import Foundation
import PFS

/// The algorithms of S3's `x-amz-checksum-*` headers and trailers.
typealias ChecksumAlgorithm = ContentChecksum.Algorithm

extension ContentChecksum.Algorithm {
    /// The header or trailer that carries this checksum.
    var headerName: String { "x-amz-checksum-\(rawValue)" }

    /// The algorithm's name in XML elements (`ChecksumCRC32`) and `x-amz-checksum-algorithm`.
    var s3Name: String { rawValue.uppercased() }

    init?(headerName: String) {
        let prefix = "x-amz-checksum-"
        guard headerName.hasPrefix(prefix), let a = Self(rawValue: String(headerName.dropFirst(prefix.count))) else { return nil }
        self = a
    }
}

extension ContentChecksum {
    /// The value as S3 writes it: base64, then `-N` for a checksum of N parts' checksums.
    var s3Value: String { Data(value).base64EncodedString() + (parts.map { "-\($0)" } ?? "") }

    /// `x-amz-checksum-type`.
    var s3Type: String { parts == nil ? "FULL_OBJECT" : "COMPOSITE" }

    var s3Kind: S3ChecksumKind { S3ChecksumKind(algorithm: algorithm.s3Name, type: s3Type) }
}

extension UploadChecksum {
    /// `x-amz-checksum-type` of the object the upload makes.
    var s3Type: String { composite ? "COMPOSITE" : "FULL_OBJECT" }
}
