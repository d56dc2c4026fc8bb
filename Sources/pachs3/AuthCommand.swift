import ArgumentParser
import Foundation
import PFS
import PFSClient

struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Turn authentication on or off and manage tokens.",
        discussion: "A token is both the access key and the secret key of S3 clients.",
        subcommands: [Activate.self, Deactivate.self, GetToken.self, WhoAmI.self])

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn auth on and print the root token (shown only this once).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let token = try await store.client().activateAuth()
            print(token)
            FileHandle.standardError.write(Data("pachs3: auth is on. Keep the root token above: it is not stored and cannot be shown again.\n".utf8))
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
        static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Print who the token in $PACHS3_TOKEN (or --token) is.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The token (default: $PACHS3_TOKEN).") var token: String?

        func run() async throws {
            let client = try store.client()
            guard try await client.isAuthActive() else { throw CLIError("the auth service is not activated") }
            guard let t = token ?? ProcessInfo.processInfo.environment["PACHS3_TOKEN"] else { throw CLIError("no token: set PACHS3_TOKEN or pass --token") }
            guard let subject = try await client.subject(ofToken: t) else { throw CLIError("the token is not valid") }
            print(subject)
        }
    }
}
