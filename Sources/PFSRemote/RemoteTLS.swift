import Foundation
import GRPCNIOTransportHTTP2Posix
import PFS

/// TLS for a connection to a pachs3 server: the server's certificate is verified, host name included, against the
/// system's trusted roots or against the certificates of a PEM file (a private CA, or a self-signed server).
public struct RemoteTLS: Sendable, Hashable {
    /// A PEM file of the certificates to trust instead of the system's; nil: the system's.
    public var trustedCertificates: String?

    public init(trustedCertificates: String? = nil) {
        self.trustedCertificates = trustedCertificates
    }

    /// Throws when the certificates file cannot be read or holds no PEM certificate.
    func check() throws {
        guard let file = trustedCertificates else { return }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw PFSError.invalidArgument("the trusted certificates file \(file) cannot be read")
        }
        guard text.contains("-----BEGIN CERTIFICATE-----") else {
            throw PFSError.invalidArgument("the trusted certificates file \(file) holds no PEM certificate")
        }
    }

    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        .tls { config in
            if let file = trustedCertificates { config.trustRoots = .certificates([.file(path: file, format: .pem)]) }
        }
    }
}
