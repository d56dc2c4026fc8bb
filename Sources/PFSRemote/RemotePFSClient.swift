import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PFS
public import PFSClient
import PFSProto
import SwiftProtobuf

/// The client API served by a pachs3 server across the network, over its gRPC API (Pachyderm's
/// pfs_v2 plus pachs3_v1 for what pfs_v2 does not carry). The connection reconnects by itself
/// when the server restarts.
public final class RemotePFSClient: PFSClient {
    let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    let pfs: PfsV2_API.Client<HTTP2ClientTransport.Posix>
    let pachs3: Pachs3V1_API.Client<HTTP2ClientTransport.Posix>
    let auth: AuthV2_API.Client<HTTP2ClientTransport.Posix>
    let metadata: Metadata
    let options: CallOptions
    /// `host:port` of the server, for messages.
    let server: String
    private let connections: Task<Void, Never>

    /// Bytes per message of an upload (the server takes up to 64 MiB).
    static let uploadMessageBytes = 2 << 20

    /// - Parameters:
    ///   - host: The server's host name or address.
    ///   - port: Its gRPC port (30650 by default).
    ///   - token: The auth token sent with every call (`authn-token`), if any.
    ///   - waitForReady: Whether a call waits for the server to be reachable (true) or fails at
    ///     once while it is not (false).
    public init(host: String, port: Int, token: String? = nil, waitForReady: Bool = true) throws {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.targetWindowSize = 8 << 20
        config.http2.maxFrameSize = 1 << 20
        config.backoff.max = .seconds(2)
        server = "\(host):\(port)"
        let transport = try HTTP2ClientTransport.Posix(target: .dns(host: host, port: port), transportSecurity: .plaintext, config: config)
        let grpc = GRPCClient(transport: transport)
        self.grpc = grpc
        pfs = PfsV2_API.Client(wrapping: grpc)
        pachs3 = Pachs3V1_API.Client(wrapping: grpc)
        auth = AuthV2_API.Client(wrapping: grpc)
        var md: Metadata = [:]
        if let token, !token.isEmpty { md.addString(token, forKey: "authn-token") }
        metadata = md
        var options = CallOptions.defaults
        options.waitForReady = waitForReady
        options.maxResponseMessageBytes = 64 << 20
        self.options = options
        connections = Task { try? await grpc.runConnections() }
    }

    /// A client for `address` (`host:port`, or `host` for port 30650).
    public convenience init(address: String, token: String? = nil, waitForReady: Bool = true) throws {
        let (host, port) = try Self.parse(address: address)
        try self.init(host: host, port: port, token: token, waitForReady: waitForReady)
    }

    /// Closes the connection; calls in flight finish first.
    public func close() async {
        grpc.beginGracefulShutdown()
        await connections.value
    }

    deinit { grpc.beginGracefulShutdown() }

    static func parse(address: String) throws -> (String, Int) {
        var text = Substring(address)
        for scheme in ["grpc://", "http://"] where text.hasPrefix(scheme) { text = text.dropFirst(scheme.count) }
        guard let colon = text.lastIndex(of: ":") else { return (String(text), 30650) }
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port), colon != text.startIndex else {
            throw PFSError.invalidArgument("address '\(address)' is not HOST:PORT")
        }
        return (String(text[..<colon]), port)
    }

    /// Runs a call, turning its status into the client API's error.
    func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as RPCError where e.code == .unavailable {
            throw PFSError.unavailable("cannot reach the pachs3 server at \(server): \(e.message)")
        } catch let e as RPCError {
            throw PFSError(e)
        }
    }
}
