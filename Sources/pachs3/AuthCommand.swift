import ArgumentParser
import Foundation
import PFS
import PFSClient
import PFSRemote

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Turn authentication on or off and manage tokens.",
        discussion: "A token is both the access key and the secret key of S3 clients.",
        subcommands: [Activate.self, Deactivate.self, GetToken.self, WhoAmI.self, Login.self, Logout.self])

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn auth on and print the root token (shown only this once).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let token = try await store.client().activateAuth()
            print(token)
            FileHandle.standardError.write(Data("pachs3: auth is on. Keep the root token above: the server does not store it and cannot show it again (`pachs3 auth login` stores it for this command line).\n".utf8))
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn auth off and forget every token.")
        @OptionGroup var store: StoreOptions

        func run() async throws { try await store.client().deactivateAuth() }
    }

    struct GetToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get-token", abstract: "Print a new token for USER.")
        @OptionGroup var store: StoreOptions
        @Argument var user: String

        func run() async throws { print(try await store.client().issueToken(for: user)) }
    }

    struct WhoAmI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whoami", abstract: "Print who the token is (--token, else $PACHS3_TOKEN, else the config file's).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The token (default: $PACHS3_TOKEN, else the config file's).") var token: String?

        func run() async throws {
            let client = try store.client()
            guard try await client.isAuthActive() else { throw CLIError("the auth service is not activated") }
            guard let t = try token ?? ServerSettings.resolve(address: store.address).token else {
                throw CLIError("no token: pass --token, set PACHS3_TOKEN or run `pachs3 auth login`")
            }
            guard let subject = try await client.subject(ofToken: t) else { throw CLIError("the token is not valid") }
            print(subject)
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a token with the server, then store it in the config file for every later command.",
            discussion: """
                The token comes from --token, else the first line of stdin (`pachs3 auth activate | pachs3 auth login` \
                stores the root token). With --address, the address is stored too, and so is --tls-ca. The file is $PACHS3_CONFIG, else \
                $XDG_CONFIG_HOME/pachs3/config.json, else ~/.config/pachs3/config.json, readable by its owner only; \
                --address, $PACHS3_ADDRESS and $PACHS3_TOKEN override what it holds.
                """)
        @Option(help: "The pachs3 server's gRPC address, HOST:PORT (default: $PACHS3_ADDRESS, else the config file's, else localhost:30650).")
        var address: String?
        @Option(help: "The token (default: the first line of stdin).") var token: String?
        @Option(name: .customLong("tls-ca"), help: "A PEM file of the certificates to trust for a grpcs:// server.") var tlsCA: String?

        func run() async throws {
            if token == nil, isatty(STDIN_FILENO) != 0 { FileHandle.standardError.write(Data("token: ".utf8)) }
            guard let t = (token ?? readLine(strippingNewline: true))?.trimmingCharacters(in: .whitespaces), !t.isEmpty else {
                throw CLIError("no token: pass --token TOKEN or give it on stdin")
            }
            var file = try ClientConfig.load()
            let settings = try ServerSettings.resolve(address: address, tlsCA: tlsCA)
            let server = settings.address
            let client = try settings.client(token: t)
            let subject: String?
            do {
                guard try await client.isAuthActive() else { throw CLIError("the auth service is not activated on \(server); nothing stored") }
                subject = try await client.subject(ofToken: t)
            } catch let e as PFSError where e.message.hasPrefix("unauthenticated") {
                // The server refuses an unknown token before the question is asked.
                throw CLIError("the token is not valid on \(server) (\(e.message)); nothing stored")
            }
            guard let subject else { throw CLIError("the token is not valid on \(server); nothing stored") }
            await client.close()
            file.token = t
            if let address {
                file.address = address
                // The certificates to trust go with the address they were given for.
                file.tlsCA = tlsCA.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            }
            try file.save()
            FileHandle.standardError.write(Data("pachs3: logged in to \(server) as \(subject); the token is in \(ClientConfig.path)\n".utf8))
        }
    }

    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the token from the config file (the address stays).")

        func run() async throws {
            var file = try ClientConfig.load()
            guard file.token != nil else { return }
            file.token = nil
            if file == ClientConfig() {
                try FileManager.default.removeItem(atPath: ClientConfig.path)
            } else {
                try file.save()
            }
        }
    }
}
