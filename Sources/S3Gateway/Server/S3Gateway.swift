public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
public import Logging
public import PFSClient

/// The S3 door onto PFS: every branch of every repo is a bucket `branch.repo`, every commit a version.
/// It reaches PFS only through a ``PFSClient``.
public struct S3Gateway: Sendable {
    public let client: any PFSClient
    public let configuration: S3GatewayConfiguration

    public init(client: any PFSClient, configuration: S3GatewayConfiguration = S3GatewayConfiguration()) {
        self.client = client
        self.configuration = configuration
    }

    /// The responder that serves S3 requests; usable with any Hummingbird server or the test harness.
    public func responder(logger: Logger) -> some HTTPResponder<BasicRequestContext> {
        S3Responder(client: client, configuration: configuration, logger: logger)
    }

    /// The Hummingbird application listening on the configured address (with TLS when configured).
    /// Throws when the certificate or key cannot be read.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        var server = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()]))
        if let tls = configuration.tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            server = try .tls(server, tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        }
        return Application(
            responder: responder(logger: logger),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "pachs3"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
