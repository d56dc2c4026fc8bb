import Foundation

/// The command line's own settings for reaching a server, kept like pachctl's config file: a JSON
/// object `{"address": "HOST:PORT", "token": "..."}` at `$PACHS3_CONFIG`, else
/// `$XDG_CONFIG_HOME/pachs3/config.json`, else `~/.config/pachs3/config.json`. Either key may be
/// missing. `pachs3 auth login` writes it (mode 0600); `--address`, `$PACHS3_ADDRESS` and
/// `$PACHS3_TOKEN` override what it holds.
struct ClientConfig: Codable, Equatable {
    var address: String?
    var token: String?

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

    /// Reads the config file only for what the flag and the environment leave open.
    static func resolve(address flag: String?) throws -> ServerSettings {
        let env = ProcessInfo.processInfo.environment
        var address = flag ?? env["PACHS3_ADDRESS"]
        var token = env["PACHS3_TOKEN"]
        if address == nil || token == nil {
            let file = try ClientConfig.load()
            address = address ?? file.address
            token = token ?? file.token
        }
        return ServerSettings(address: address ?? ClientConfig.defaultAddress, token: token)
    }
}
