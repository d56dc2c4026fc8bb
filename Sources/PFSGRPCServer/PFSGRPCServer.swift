public import GRPCCore
public import GRPCNIOTransportHTTP2Posix
public import Logging
import NIOCore
public import PFSClient

/// The gRPC door: Pachyderm's `pfs_v2.API`, `auth_v2.API` and `versionpb_v2.API` served over the
/// client API, on port 30650 by default.
public struct PFSGRPCServer: Sendable {
    /// Requests up to this size are accepted: the Pachyderm SDK sends 19 MiB AddFile messages.
    public static let maxRequestMessageBytes = 64 << 20
    /// GetFile streams content in messages of at most this size (the SDK refuses over 20 MiB).
    public static let fileMessageBytes = 2 << 20

    public let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let shutdown = ShutdownSignal()

    /// - Parameters:
    ///   - client: The client API every RPC goes through.
    ///   - host: The address to listen on: an IP address or a name resolved now (`localhost`).
    ///   - port: The port (0: any free port; see ``listeningPort()``).
    ///   - tls: PEM files of a certificate chain and its private key: serve over TLS; nil: plaintext.
    /// - Throws: NIO's `SocketAddressError` when `host` does not resolve.
    public init(client: any PFSClient, host: String, port: Int, logger: Logger, tls: (certificate: String, key: String)? = nil) throws {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = Self.maxRequestMessageBytes
        // A 64 KiB window held uploads to 95 MiB/s where 8 MiB gave 221 MiB/s.
        config.http2.targetWindowSize = 8 << 20
        config.http2.maxFrameSize = 1 << 20
        let transport = HTTP2ServerTransport.Posix(
            address: try Self.bindAddress(host: host, port: port),
            transportSecurity: tls.map { .tls(certificateChain: [.file(path: $0.certificate, format: .pem)], privateKey: .file(path: $0.key, format: .pem)) }
                ?? .plaintext,
            config: config)
        server = GRPCServer(
            transport: transport,
            services: [PFSService(client: client, logger: logger, shutdown: shutdown), AuthService(client: client), VersionService(), Pachs3Service(client: client)],
            interceptors: [AuthInterceptor(client: client)])
    }

    /// The transport binds IP addresses only; a name is resolved here, as the S3 door's bootstrap does.
    static func bindAddress(host: String, port: Int) throws -> GRPCNIOTransportCore.SocketAddress {
        let resolved = try NIOCore.SocketAddress.makeAddressResolvingHost(host, port: port)
        switch resolved {
        case .v6: return .ipv6(host: resolved.ipAddress ?? host, port: port)
        default: return .ipv4(host: resolved.ipAddress ?? host, port: port)
        }
    }

    /// Serves until ``beginGracefulShutdown()`` and every RPC in flight has ended.
    public func serve() async throws { try await server.serve() }

    /// Stops accepting RPCs; those in flight finish.
    public func beginGracefulShutdown() {
        shutdown.fire()
        server.beginGracefulShutdown()
    }

    /// The port the server listens on, once it does (nil if it failed to start).
    public func listeningPort() async throws -> Int? {
        guard let address = try await server.listeningAddress else { return nil }
        return address.ipv4?.port ?? address.ipv6?.port
    }
}
