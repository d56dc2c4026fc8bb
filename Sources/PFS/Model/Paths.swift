/// File paths: any UTF-8 string of 1 to 1024 bytes without NUL, like an S3 key.
public enum Paths {
    public static let maxLength = 1024

    /// Throws ``PFSError/invalidArgument(_:)`` unless `path` is a valid file path.
    public static func validate(_ path: String) throws {
        let n = path.utf8.count
        if n == 0 { throw PFSError.invalidArgument("file path is empty") }
        if n > maxLength { throw PFSError.invalidArgument("file path is \(n) bytes long; the limit is \(maxLength)") }
        if path.utf8.contains(0) { throw PFSError.invalidArgument("file path contains a NUL character") }
    }

    static func key(_ path: String) throws -> Key {
        try validate(path)
        return Key(path)
    }
}
