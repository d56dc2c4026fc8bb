import ArgumentParser
import PFS
import PFSClient

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a commit.", subcommands: [Commit.self])

    struct Commit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start an open commit on repo@branch; writes to the branch go into it until it is finished. Prints its ID.")
        @OptionGroup var store: StoreOptions
        @Argument var branch: String
        @Option(name: .shortAndLong, help: "The parent commit (default: the branch HEAD).") var parent: String?
        @Option(name: [.short, .customLong("message"), .customLong("description")], help: "A description.") var description: String = ""

        func run() async throws {
            let ref = try store.commitRef(branch)
            guard case .branch(let name) = ref.base, ref.offset == .none else { throw CLIError("'\(branch)' is not of the form repo@branch") }
            let parentRef = try parent.map { p in p.contains("@") ? try store.commitRef(p) : try store.commitRef("\(ref.repo)@\(p)") }
            let c = try await store.client().startCommit(ref.repo, branch: name, parent: parentRef, description: description)
            print(c.id)
        }
    }
}

struct FinishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "finish", abstract: "Finish a commit.", subcommands: [Commit.self])

    struct Commit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Finish the open commit named by repo@branch or repo@<id>.")
        @OptionGroup var store: StoreOptions
        @Argument var ref: String
        @Option(name: [.short, .customLong("message"), .customLong("description")], help: "A description.") var description: String = ""

        func run() async throws {
            let c = try await store.client().finishCommit(try store.commitRef(ref), description: description)
            print(c.id)
        }
    }
}
