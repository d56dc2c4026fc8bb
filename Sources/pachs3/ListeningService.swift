import Foundation
import GRPCCore
import NIOCore
import ServiceLifecycle

/// A door of the server (S3, gRPC) as a service whose failure to listen names the door, the address and the reason,
/// where the transports say "bind(descriptor:ptr:bytes:): Address already in use (errno: 98)" or, for gRPC,
/// "serverIsStopped" without the address.
struct ListeningService: Service {
    let door: String
    let host: String
    let port: Int
    let service: any Service

    func run() async throws {
        do {
            try await service.run()
        } catch {
            guard let reason = Self.listenFailure(error) else { throw error }
            throw CLIError("cannot serve \(door) on \(Self.authority(host, port)): \(reason)")
        }
    }

    /// `host:port`, with an IPv6 host in brackets as URLs write it.
    static func authority(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Why a socket could not be bound or its address resolved, if that is what `error` says, looking through gRPC's
    /// wrapping.
    static func listenFailure(_ error: any Error) -> String? {
        switch error {
        case let e as IOError where [EADDRINUSE, EADDRNOTAVAIL, EACCES, EAFNOSUPPORT].contains(e.errnoCode):
            return String(cString: strerror(e.errnoCode)).lowercased()
        case let e as SocketAddressError.UnknownHost:
            return "cannot resolve the host name \(e.host)"
        case let e as SocketAddressError:
            switch e {
            case .unknown(let host, _): return "cannot resolve the address \(host)"
            case .failedToParseIPString(let text): return "\(text) is not an IP address"
            default: return "\(e)"
            }
        case let e as RuntimeError:
            return e.cause.flatMap(listenFailure)
        case let e as RPCError:
            return e.cause.flatMap(listenFailure)
        default:
            return nil
        }
    }
}
