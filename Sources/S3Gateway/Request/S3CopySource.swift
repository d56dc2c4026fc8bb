/// The source of CopyObject / UploadPartCopy, from the `x-amz-copy-source` header.
public struct S3CopySource: Sendable, Hashable {
    public var bucket: String
    public var key: String
    /// From `?versionId=…` in the header.
    public var versionId: String?

    public init(bucket: String, key: String, versionId: String? = nil) {
        self.bucket = bucket
        self.key = key
        self.versionId = versionId
    }

    /// Parses `bucket/key`, `/bucket/key`, each optionally followed by `?versionId=…`; the bucket and
    /// key are percent-decoded after the `?` is split off (so a key holding `?` arrives as `%3F`).
    /// Throws InvalidArgument for a missing bucket or key, a bad escape or an empty version ID, and
    /// KeyTooLongError for a key over 1024 bytes.
    public static func parse(_ header: String) throws(S3Error) -> S3CopySource {
        var text = Substring(header)
        var versionId: String?
        if let q = text.firstIndex(of: "?") {
            let query = text[text.index(after: q)...]
            text = text[..<q]
            for item in query.split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair[0] == "versionId" else { continue }
                guard pair.count == 2, let v = S3URLEncoding.percentDecode(pair[1]), !v.isEmpty else {
                    throw .invalidArgument("Version id cannot be the empty string", name: "x-amz-copy-source", value: header)
                }
                versionId = v
            }
        }
        if text.hasPrefix("/") { text = text.dropFirst() }
        guard let slash = text.firstIndex(of: "/"),
              let bucket = S3URLEncoding.percentDecode(text[..<slash]),
              let key = S3URLEncoding.percentDecode(text[text.index(after: slash)...]),
              !bucket.isEmpty, !key.isEmpty
        else {
            throw .invalidArgument(
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", name: "x-amz-copy-source", value: header
            )
        }
        guard key.utf8.count <= S3RequestParser.maxKeyLength else { throw .keyTooLong(size: key.utf8.count) }
        return S3CopySource(bucket: bucket, key: key, versionId: versionId)
    }
}
