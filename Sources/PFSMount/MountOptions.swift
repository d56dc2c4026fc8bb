import Foundation

/// The `-o` options of `mount -t pachs3` and `pachs3 mount`, parsed: `ro`, `rw`, `allow_other`,
/// `commit=close|unmount`, `cache_dir=DIR`, `token_file=FILE`, `tls_ca=FILE`, and the generic options mount(8) passes
/// along (`_netdev`, `defaults`, `auto`, `noauto`, `user`, `nouser`, `nofail`, `exec`, `noexec`, `suid`,
/// `nosuid`, `dev`, `nodev`, `atime`, `noatime`, `relatime`), which are accepted and ignored.
public struct MountOptions: Sendable, Equatable {
    public var readOnly = false
    public var allowOther = false
    public var commitPolicy = MountConfiguration.CommitPolicy.close
    public var cacheDirectory: String?
    public var tokenFile: String?
    /// A PEM file of the certificates to trust for the server (it also turns TLS on).
    public var trustedCertificates: String?

    static let ignored: Set<String> = [
        "_netdev", "defaults", "auto", "noauto", "user", "nouser", "users", "nofail", "exec", "noexec", "suid", "nosuid", "dev", "nodev",
        "atime", "noatime", "relatime", "strictatime", "nodiratime", "lazytime", "sync", "async", "x-systemd.automount",
    ]

    public init() {}

    /// Parses a comma-separated option list; throws ``MountError`` naming the first bad option.
    public init(parsing text: String) throws {
        for raw in text.split(separator: ",", omittingEmptySubsequences: true) {
            let opt = String(raw)
            let (name, value): (String, String?) =
                if let eq = opt.firstIndex(of: "=") { (String(opt[..<eq]), String(opt[opt.index(after: eq)...])) } else { (opt, nil) }
            func needValue() throws -> String {
                guard let value, !value.isEmpty else { throw MountError("mount option '\(name)' needs a value: \(name)=…") }
                return value
            }
            func noValue() throws {
                if value != nil { throw MountError("mount option '\(name)' takes no value") }
            }
            switch name {
            case "ro": try noValue(); readOnly = true
            case "rw": try noValue(); readOnly = false
            case "allow_other": try noValue(); allowOther = true
            case "commit":
                let v = try needValue()
                guard let p = MountConfiguration.CommitPolicy(rawValue: v) else {
                    throw MountError("mount option commit=\(v): expected commit=close or commit=unmount")
                }
                commitPolicy = p
            case "cache_dir": cacheDirectory = try needValue()
            case "token_file": tokenFile = try needValue()
            case "tls_ca": trustedCertificates = try needValue()
            default:
                if Self.ignored.contains(name) || name.hasPrefix("x-") || name.hasPrefix("comment=") { continue }
                throw MountError(
                    "unknown mount option '\(opt)' (known: ro, rw, allow_other, commit=close|unmount, cache_dir=DIR, token_file=FILE, tls_ca=FILE, _netdev)")
            }
        }
    }
}
