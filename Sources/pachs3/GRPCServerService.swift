import Foundation
import PFSGRPCServer
import ServiceLifecycle

/// The gRPC server as a service of the process's service group: it stops gracefully with the rest.
struct GRPCServerService: Service {
    let server: PFSGRPCServer
    let host: String
    /// Whether it serves TLS (the address it prints starts with `grpcs://`).
    var secure = false

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                let port: Int?
                do {
                    port = try await server.listeningPort()
                } catch {
                    // The transport stopped before it listened: serve() ends with the reason.
                    try await group.waitForAll()
                    throw error
                }
                if let port {
                    // A line tests and scripts wait for.
                    let scheme = secure ? "grpcs://" : ""
                    FileHandle.standardOutput.write(Data("pachs3 gRPC API listening on \(scheme)\(ListeningService.authority(host, port))\n".utf8))
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
