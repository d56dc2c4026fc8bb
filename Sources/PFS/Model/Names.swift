/// Validation of project, repo and branch names (`^[a-zA-Z0-9_-]+$`, as in Pachyderm).
public enum Names {
    /// The project used when none is named.
    public static let defaultProject = "default"
    /// Longest accepted name, as in Pachyderm.
    public static let maxLength = 63

    /// Throws ``PFSError/invalidArgument(_:)`` saying what is wrong with `name`.
    public static func validate(_ name: String, kind: String) throws {
        if name.isEmpty { throw PFSError.invalidArgument("\(kind) name is empty") }
        if name.utf8.count > maxLength {
            throw PFSError.invalidArgument("\(kind) name '\(name)' is longer than \(maxLength) characters")
        }
        for c in name.unicodeScalars where !isNameCharacter(c) {
            throw PFSError.invalidArgument(
                "\(kind) name '\(name)' contains the character '\(c.escaped(asASCII: true))'; only letters, digits, '_' and '-' are allowed")
        }
    }

    /// Validates a branch name: a valid name that cannot be mistaken for a commit ID.
    public static func validateBranch(_ name: String) throws {
        try validate(name, kind: "branch")
        if CommitID(name) != nil {
            throw PFSError.invalidArgument("branch name '\(name)' looks like a commit ID (32 hex characters); choose another name")
        }
    }

    static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2D: return true
        default: return false
        }
    }
}
