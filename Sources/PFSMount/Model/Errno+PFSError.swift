import Glibc
import PFS

/// The errno a failed call answers the kernel with.
func errnoValue(for error: any Error) -> Int32 {
    if let e = error as? FuseError { return e.errno }
    if let e = error as? PFSError {
        switch e {
        case .notFound: return ENOENT
        case .alreadyExists: return EEXIST
        case .invalidArgument: return EINVAL
        case .failedPrecondition, .preconditionFailed: return EBUSY
        case .storageFull: return ENOSPC
        case .badDigest, .corrupt, .io, .unavailable: return EIO
        }
    }
    if error is CancellationError { return EINTR }
    return EIO
}
