import PFS
import PFSClient

/// The names and paths users type or send — commit refs, bucket names, mount paths, file refs, globs — on
/// arbitrary bytes. The first byte picks the parser. Whatever parses must print back to the same value, and
/// glob matching must stay polynomial whatever the pattern.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPFSModel(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let all = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = all.first else { return 0 }
    let text = String(decoding: all.dropFirst(), as: UTF8.self)
    switch selector % 6 {
    case 0:
        if let ref = try? CommitRef.parse(text) {
            precondition((try? CommitRef.parse(ref.description)) == ref, "\(ref) does not parse back")
        }
    case 1:
        if let bucket = try? BucketName(parsing: text) {
            precondition((try? BucketName(parsing: bucket.description)) == bucket, "\(bucket) does not parse back")
        }
    case 2:
        if let path = try? MountPath(parsing: text) {
            precondition((try? MountPath(parsing: path.description)) == path, "\(path) does not parse back")
        }
    case 3:
        _ = try? FileRef.parse(text)
    case 4:
        // Pattern, then the path after the first newline.
        let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let glob = Glob(String(parts[0]))
        let path = parts.count > 1 ? String(parts[1]) : ""
        if glob.matches(path) { precondition(path.hasPrefix(glob.literalPrefix) || glob.literalPrefix.contains("/")) }
    default:
        try? Names.validate(text, kind: "repo")
        try? Names.validateBranch(text)
        try? Paths.validate(text)
    }
    return 0
}
