import ArgumentParser
import Foundation
import Logging
import Hummingbird
import PFSClient
import PFSGRPCServer
import PFSMount
import S3Gateway
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the embedded store through the S3 gateway (port 30600) and the gRPC API (port 30650).",
        discussion: """
            With --tls-cert and --tls-key, S3 is served over HTTPS and the gRPC API over TLS (grpcs://). \
            Stops gracefully on SIGTERM or SIGINT: requests in flight finish, nothing is half-committed.
            """)

    @OptionGroup var store: DataDirOptions
    @Option(help: "The address to listen on.") var address: String = "0.0.0.0"
    @Option(help: "The S3 port (0: any free port, printed at start).") var port: Int = 30600
    @Option(help: "The gRPC port of the pfs_v2 API (0: any free port, printed at start).") var grpcPort: Int = 30650
    @Option(help: "A domain for virtual-host style requests (bucket.DOMAIN).") var domain: String?
    @Option(help: "The region GetBucketLocation reports.") var region: String = "us-east-1"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @OptionGroup var tlsFiles: TLSOptions
    @Option(help: "Also mount the repos at this directory, in this process (see `pachs3 mount`).") var mount: String?
    @Option(help: "Options of --mount, comma-separated (ro, allow_other, commit=close|unmount, cache_dir=DIR).") var mountOptions: String = ""

    func validate() throws {
        for (option, value) in [("--port", port), ("--grpc-port", grpcPort)] where !(0...65535).contains(value) {
            throw ValidationError("\(option) takes a port number from 0 to 65535, not \(value)")
        }
    }

    func run() async throws {
        let logger = try ServerLogging.bootstrap(level: logLevel)
        let client = try store.client()
        let tls = try tlsFiles.files()
        let gateway = S3Gateway(
            client: client, configuration: S3GatewayConfiguration(host: address, port: port, domain: domain, region: region, tls: tls))
        let dir = store.directory
        let host = address
        let app = try gateway.listeningApplication(host: host, secure: tls != nil, origin: "data directory \(dir)", logger: logger)
        let grpc: PFSGRPCServer
        do {
            grpc = try PFSGRPCServer(client: client, host: address, port: grpcPort, logger: logger, tls: tls)
        } catch {
            throw CLIError("cannot serve the gRPC API on \(ListeningService.authority(address, grpcPort)): \(ListeningService.listenFailure(error) ?? "\(error)")")
        }
        var mounted: PFSMount?
        if let mount {
            let opts = try MountOptions(parsing: mountOptions)
            try MountCommand.checkMountpoint(mount)
            let cache = opts.cacheDirectory ?? (dir as NSString).appendingPathComponent("mount-cache")
            mounted = try MountCommand.start(client: client, at: mount, options: opts, cacheDirectory: cache, source: dir)
        }
        let served = Task { [mounted] in await mounted?.run() }
        if let mount { FileHandle.standardOutput.write(Data("pachs3 mount ready at \(mount)\n".utf8)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: ListeningService(door: "S3", host: host, port: port, service: app)),
                    .init(service: ListeningService(door: "the gRPC API", host: host, port: grpcPort, service: GRPCServerService(server: grpc, host: host, secure: tls != nil))),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await mounted?.unmount()
            await served.value
            throw error
        }
        // SIGTERM/SIGINT stopped the doors: commit what the mount staged, then unmount.
        await mounted?.unmount()
        await served.value
    }
}
