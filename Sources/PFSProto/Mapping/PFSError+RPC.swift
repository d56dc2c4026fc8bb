public import GRPCCore
public import PFS

extension RPCError {
    /// The status a client sees for an error of the client API: Pachyderm's codes, which the SDK
    /// relies on (NOT_FOUND for `repo_exists` and friends).
    public init(_ error: any Error) {
        if let e = error as? RPCError {
            self = e
            return
        }
        guard let e = error as? PFSError else {
            self.init(code: .internalError, message: "\(error)")
            return
        }
        let code: RPCError.Code
        switch e {
        case .invalidArgument, .badDigest: code = .invalidArgument
        case .notFound: code = .notFound
        case .alreadyExists: code = .alreadyExists
        case .failedPrecondition, .preconditionFailed: code = .failedPrecondition
        case .corrupt: code = .dataLoss
        case .io: code = .internalError
        case .storageFull: code = .resourceExhausted
        case .unavailable: code = .unavailable
        }
        self.init(code: code, message: e.message, metadata: ["pachs3-error": "\(e.kind)"])
    }
}

extension PFSError {
    /// The client API's error for a status from a pachs3 server.
    public init(_ error: RPCError) {
        let m = error.message
        if let kind = error.metadata[stringValues: "pachs3-error"].first(where: { _ in true }) {
            switch kind {
            case "badDigest": self = .badDigest(m); return
            case "preconditionFailed": self = .preconditionFailed(m); return
            case "io": self = .io(m); return
            case "storageFull": self = .storageFull(m); return
            case "unavailable": self = .unavailable(m); return
            default: break
            }
        }
        switch error.code {
        case .invalidArgument: self = .invalidArgument(m)
        case .notFound: self = .notFound(m)
        case .alreadyExists: self = .alreadyExists(m)
        case .failedPrecondition: self = .failedPrecondition(m)
        case .dataLoss: self = .corrupt(m)
        default: self = .io("\(error.code): \(m)")
        }
    }

    /// The case's name, carried in trailing metadata so that the client recovers the exact case.
    var kind: String {
        switch self {
        case .invalidArgument: "invalidArgument"
        case .notFound: "notFound"
        case .alreadyExists: "alreadyExists"
        case .failedPrecondition: "failedPrecondition"
        case .corrupt: "corrupt"
        case .io: "io"
        case .storageFull: "storageFull"
        case .unavailable: "unavailable"
        case .preconditionFailed: "preconditionFailed"
        case .badDigest: "badDigest"
        }
    }
}
