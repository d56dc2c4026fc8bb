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
    ///   - tls: How to secure the connection; nil: plaintext.
    public init(host: String, port: Int, token: String? = nil, waitForReady: Bool = true, tls: RemoteTLS? = nil) throws {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.targetWindowSize = 8 << 20
        config.http2.maxFrameSize = 1 << 20
        config.backoff.max = .seconds(2)
        try tls?.check()
        server = "\(tls == nil ? "" : "grpcs://")\(host):\(port)"
        let transport = try HTTP2ClientTransport.Posix(
            target: Self.target(host: host, port: port), transportSecurity: tls?.transportSecurity ?? .plaintext, config: config)
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

    /// A client for `address`: `host:port`, or `host` for port 30650; `grpcs://` before it for TLS, which
    /// `trustedCertificates` (a PEM file of the certificates to trust instead of the system's) also turns on.
    public convenience init(address: String, token: String? = nil, waitForReady: Bool = true, trustedCertificates: String? = nil) throws {
        let (host, port, secure) = try Self.parse(address: address)
        let tls = secure || trustedCertificates != nil ? RemoteTLS(trustedCertificates: trustedCertificates) : nil
        try self.init(host: host, port: port, token: token, waitForReady: waitForReady, tls: tls)
    }

    /// Closes the connection; calls in flight finish first.
    public func close() async {
        grpc.beginGracefulShutdown()
        await connections.value
    }

    deinit { grpc.beginGracefulShutdown() }

    /// An address literal is its own target: TLS then checks the certificate's IP address names, where a DNS
    /// target would send the address as a server name, which TLS forbids.
    static func target(host: String, port: Int) -> any ResolvableTarget {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return .ipv4(host: host, port: port) }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if inet_pton(AF_INET6, bare, &v6) == 1 { return .ipv6(host: bare, port: port) }
        return .dns(host: host, port: port)
    }

    /// Host, port and whether the address asks for TLS (`grpcs://`, `https://`).
    static func parse(address: String) throws -> (host: String, port: Int, secure: Bool) {
        var text = Substring(address)
        var secure = false
        for (scheme, tls) in [("grpc://", false), ("http://", false), ("grpcs://", true), ("https://", true)] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
            secure = tls
        }
        guard let colon = text.lastIndex(of: ":") else { return (String(text), 30650, secure) }
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port), colon != text.startIndex else {
            throw PFSError.invalidArgument("address '\(address)' is not HOST:PORT")
        }
        return (String(text[..<colon]), port, secure)
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
