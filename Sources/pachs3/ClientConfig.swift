import Foundation
import PFS
import PFSRemote

/// The command line's own settings for reaching a server, kept like pachctl's config file: a JSON
/// object `{"address": "HOST:PORT", "token": "...", "tls_ca": "FILE"}` at `$PACHS3_CONFIG`, else
/// `$XDG_CONFIG_HOME/pachs3/config.json`, else `~/.config/pachs3/config.json`. Any key may be
/// missing. `pachs3 auth login` writes it (mode 0600); `--address`, `$PACHS3_ADDRESS`, `$PACHS3_TOKEN`,
/// `--tls-ca` and `$PACHS3_TLS_CA` override what it holds.
struct ClientConfig: Codable, Equatable {
    var address: String?
    var token: String?
    /// A PEM file of the certificates to trust for a `grpcs://` server.
    var tlsCA: String?

    enum CodingKeys: String, CodingKey {
        case address, token
        case tlsCA = "tls_ca"
    }

    static let defaultAddress = "localhost:30650"

    /// Where the file is (whether or not it exists).
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["PACHS3_CONFIG"], !p.isEmpty { return p }
        let base = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() as NSString).appendingPathComponent(".config")
        return (base as NSString).appendingPathComponent("pachs3/config.json")
    }

    /// The file's settings; empty when there is no file. A file that is not a JSON object of
    /// strings is an error that names the file, never silently ignored.
    static func load() throws -> ClientConfig {
        let path = Self.path
        guard FileManager.default.fileExists(atPath: path) else { return ClientConfig() }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("cannot read the config file \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(ClientConfig.self, from: data)
        } catch {
            throw CLIError(
                "the config file \(path) is not valid: expected a JSON object like {\"address\": \"HOST:PORT\", \"token\": \"TOKEN\"} (\(Self.reason(error))); fix or delete it"
            )
        }
    }

    /// Writes the settings atomically, readable by the owner only (0600).
    func save() throws {
        let path = Self.path
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            var data = try encoder.encode(self)
            data.append(0x0A)
            let tmp = path + ".tmp-\(getpid())"
            // The token never exists on disk with wider permissions, not even for a moment.
            guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write the config file \(path)")
            }
            guard rename(tmp, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(tmp)
                throw CLIError("cannot write the config file \(path): \(reason)")
            }
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError("cannot write the config file \(path): \(error.localizedDescription)")
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            let at = c.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? c.debugDescription : "\(at): \(c.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// Where a command reaches its server: the flag, else the environment, else the config file.
struct ServerSettings {
    var address: String
    var token: String?
    /// A PEM file of the certificates to trust (it also turns TLS on); nil: the system's, for `grpcs://`.
    var trustedCertificates: String?

    /// Reads the config file only for what the flags and the environment leave open; its `tls_ca` goes with its
    /// address.
    static func resolve(address flag: String?, tlsCA: String? = nil) throws -> ServerSettings {
        let env = ProcessInfo.processInfo.environment
        var address = flag ?? env["PACHS3_ADDRESS"]
        var token = env["PACHS3_TOKEN"]
        var ca = tlsCA ?? env["PACHS3_TLS_CA"].flatMap { $0.isEmpty ? nil : $0 }
        if address == nil || token == nil {
            let file = try ClientConfig.load()
            if address == nil {
                address = file.address
                ca = ca ?? file.tlsCA
            }
            token = token ?? file.token
        }
        return ServerSettings(address: address ?? ClientConfig.defaultAddress, token: token, trustedCertificates: ca)
    }

    /// A client of the server that fails fast while it is away (the commands report it, S3 clients retry).
    func client(token: String? = nil) throws -> RemotePFSClient {
        do {
            return try RemotePFSClient(address: address, token: token ?? self.token, waitForReady: false, trustedCertificates: trustedCertificates)
        } catch let e as PFSError {
            throw CLIError(e.message)
        }
    }
}
