import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PFSClient
import PFSRemote
import S3Gateway
import ServiceLifecycle

struct S3GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3gateway", abstract: "Serve an S3 gateway in front of a pachs3 server reached over gRPC.",
        discussion: """
            The gateway keeps no data: every request goes to the server at --address (default \
            $PACHS3_ADDRESS, else the config file's, else localhost:30650) with the token in $PACHS3_TOKEN, \
            else the config file's. Stops gracefully on SIGTERM or SIGINT.
            """)

    @Option(help: "The pachs3 server's gRPC address, HOST:PORT (grpcs://HOST:PORT for TLS).") var address: String?
    @Option(name: .customLong("tls-ca"), help: "A PEM file of the certificates to trust for the server (turns TLS on).") var tlsCA: String?
    @OptionGroup var tlsFiles: TLSOptions
    @Option(help: "The address to listen on.") var listen: String = "0.0.0.0"
    @Option(help: "The S3 port (0: any free port, printed at start).") var port: Int = 30600
    @Option(help: "A domain for virtual-host style requests (bucket.DOMAIN).") var domain: String?
    @Option(help: "The region GetBucketLocation reports.") var region: String = "us-east-1"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"

    func validate() throws {
        for (option, value) in [("--port", port)] where !(0...65535).contains(value) {
            throw ValidationError("\(option) takes a port number from 0 to 65535, not \(value)")
        }
    }

    func run() async throws {
        let logger = try ServerLogging.bootstrap(level: logLevel)
        let tls = try tlsFiles.files()
        let settings = try ServerSettings.resolve(address: address, tlsCA: tlsCA)
        let server = settings.address
        // Fail fast while the server is away: S3 clients retry the 503 that answers it, where a call waiting for
        // the server held every request until the client's own timeout.
        let client = try settings.client()
        let gateway = S3Gateway(
            client: client, configuration: S3GatewayConfiguration(host: listen, port: port, domain: domain, region: region, tls: tls))
        let host = listen
        let app = try gateway.listeningApplication(host: host, secure: tls != nil, origin: "server \(server)", logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: ListeningService(door: "S3", host: host, port: port, service: app))], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await client.close()
    }
}
