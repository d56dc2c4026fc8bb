#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the PFS engine. Each case says what went wrong in words a user can act on.
public enum PFSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A name, path, ref or argument is malformed.
    case invalidArgument(String)
    /// A project, repo, branch, commit or file does not exist.
    case notFound(String)
    /// The object to be created exists already.
    case alreadyExists(String)
    /// The object is in a state that forbids the operation (a finished commit, a non-empty branch...).
    case failedPrecondition(String)
    /// Stored data is missing or does not match its hash.
    case corrupt(String)
    /// An I/O error from the operating system or a store.
    case io(String)
    /// A store has no space left (a full disk or quota); nothing was written. Reads still work, and writes do again
    /// once space is freed.
    case storageFull(String)
    /// The server cannot be reached (or is shutting down); the call did nothing and may be tried again later.
    case unavailable(String)
    /// A conditional write found the file in another state than required; nothing was written.
    case preconditionFailed(String)
    /// The content does not match the digest the writer announced; nothing was written.
    case badDigest(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m), .notFound(let m), .alreadyExists(let m), .failedPrecondition(let m), .corrupt(let m), .io(let m),
            .storageFull(let m), .unavailable(let m), .preconditionFailed(let m), .badDigest(let m):
            return m
        }
    }

    public var message: String { description }

    /// The error for a system call that failed with `code` (an `errno`): a full disk or quota is ``storageFull(_:)``,
    /// anything else ``io(_:)``; the message is `what` and the system's text.
    public static func systemCall(_ what: String, errno code: Int32) -> PFSError {
        let text = "\(what): \(String(cString: strerror(code)))"
        return code == ENOSPC || code == EDQUOT ? .storageFull(text) : .io(text)
    }
}
