/// S3's general-purpose bucket naming rules, applied when a bucket is created (existing PFS names
/// outside them stay reachable path-style).
public enum S3BucketNameRules {
    /// Throws ``S3Error/invalidBucketName(_:reason:)`` unless `name` is 3 to 63 characters of
    /// lower-case letters, digits, `.` and `-`; begins and ends with a letter or digit; has no `..`;
    /// is not four dot-separated numbers (an IPv4 address); does not start with `xn--`, `sthree-` or `amzn-s3-demo-`; and does not
    /// end with `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3`.
    public static func validate(_ name: String) throws(S3Error) {
        if let reason = violation(name) { throw .invalidBucketName(name, reason: reason) }
    }

    /// Whether `name` follows the rules.
    public static func isValid(_ name: String) -> Bool { violation(name) == nil }

    /// What is wrong with `name`, or nil when it is valid.
    public static func violation(_ name: String) -> String? {
        let u = Array(name.utf8)
        guard (3...63).contains(u.count) else { return "Bucket names must be between 3 (min) and 63 (max) characters long." }
        for b in u where !(isLowerAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")) {
            return "Bucket names can consist only of lowercase letters, numbers, periods (.), and hyphens (-)."
        }
        guard isLowerAlnum(u[0]), isLowerAlnum(u[u.count - 1]) else { return "Bucket names must begin and end with a letter or number." }
        if name.contains("..") { return "Bucket names must not contain two adjacent periods." }
        if isIPv4(name) { return "Bucket names must not be formatted as an IP address." }
        for p in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(p) { return "Bucket names must not start with the prefix '\(p)'." }
        for s in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] where name.hasSuffix(s) {
            return "Bucket names must not end with the suffix '\(s)'."
        }
        return nil
    }

    static func isLowerAlnum(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }

    /// Four dot-separated runs of digits (`192.168.5.4`; out-of-range numbers count too).
    static func isIPv4(_ name: String) -> Bool {
        let parts = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }
    }
}
