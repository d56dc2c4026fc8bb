import ArgumentParser
import Foundation
import PFS
import PFSClient
import PFSRemote
import PFSMount

@main
struct PachS3: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pachs3",
        abstract: "Versioned data: repos, branches, immutable commits and files, served as S3 buckets and a mount.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, S3GatewayCommand.self, MountCommand.self, AuthCommand.self, CreateCommand.self, ListCommand.self, InspectCommand.self, DeleteCommand.self, StartCommand.self, FinishCommand.self,
            PutCommand.self, GetCommand.self, CopyCommand.self, GlobCommand.self, DiffCommand.self, GCCommand.self, FsckCommand.self,
            DebugCommand.self,
        ]
    )

    static func main() async {
        ProcessMemory.configure()
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let e as PFSError {
            Output.fail(e.message)
        } catch let e as CLIError {
            Output.fail(e.message)
        } catch let e as MountError {
            Output.fail(e.description)
        } catch {
            exit(withError: error)
        }
    }
}

/// An error of the command line itself (bad arguments the parser cannot see, local files).
struct CLIError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Options every command that touches data takes: a pachs3 server by default, like pachctl, or
/// the embedded store in a data directory (offline).
struct StoreOptions: ParsableArguments {
    @Option(
        help: """
            The pachs3 server's gRPC address, HOST:PORT (default: $PACHS3_ADDRESS, else the config file's, else localhost:30650); \
            the token is $PACHS3_TOKEN, else the config file's ($PACHS3_CONFIG, else ~/.config/pachs3/config.json).
            """)
    var address: String?

    @Option(name: .customLong("data-dir"), help: "Work offline on the embedded store in this data directory (default: $PACHS3_DATA if set).")
    var dataDir: String?

    @Option(
        name: .customLong("tls-ca"),
        help: "A PEM file of the certificates to trust for a grpcs:// server; turns TLS on (default: $PACHS3_TLS_CA, else the config file's tls_ca, else the system's).")
    var tlsCA: String?

    @Option(help: "The project of repos named without one.")
    var project: String = Names.defaultProject

    func client() throws -> any PFSClient {
        let env = ProcessInfo.processInfo.environment
        if let dataDir { return try LocalPFSClient(dataDirectory: dataDir) }
        if address == nil, let dir = env["PACHS3_DATA"] { return try LocalPFSClient(dataDirectory: dir) }
        return try ServerSettings.resolve(address: address, tlsCA: tlsCA).client()
    }

    func repo(_ text: String) throws -> RepoID {
        let id: RepoID
        if let slash = text.firstIndex(of: "/") {
            id = RepoID(String(text[text.index(after: slash)...]), project: String(text[..<slash]))
        } else {
            id = RepoID(text, project: project)
        }
        try id.validate()
        return id
    }

    func commitRef(_ text: String) throws -> CommitRef { try CommitRef.parse(text, project: project) }

    func fileRef(_ text: String) throws -> FileRef { try FileRef.parse(text, project: project) }
}

/// Where `pachs3 serve` keeps its embedded store.
struct DataDirOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The data directory (default: $PACHS3_DATA, else ./pachs3-data).")
    var dataDir: String?

    var directory: String { dataDir ?? ProcessInfo.processInfo.environment["PACHS3_DATA"] ?? "pachs3-data" }

    func client() throws -> any PFSClient { try LocalPFSClient(dataDirectory: directory) }
}
