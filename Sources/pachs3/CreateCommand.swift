import ArgumentParser
import PFS
import PFSClient

struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a project, repo or branch.", subcommands: [Project.self, Repo.self, Branch.self])

    struct Project: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The project name.") var name: String
        @Option(name: .shortAndLong, help: "A description.") var description: String = ""

        func run() async throws { try await store.client().createProject(name, description: description) }
    }

    struct Repo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a repo.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The repo name (project/repo for another project).") var name: String
        @Option(name: .shortAndLong, help: "A description.") var description: String = ""

        func run() async throws { try await store.client().createRepo(try store.repo(name), description: description) }
    }

    struct Branch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a branch, or move an existing one with --head.", discussion: "Example: pachs3 create branch images@dev --head images@master")
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo@branch") var branch: String
        @Option(help: "The commit the branch points to (a ref such as repo@master^1).") var head: String?

        func run() async throws {
            let ref = try store.commitRef(branch)
            guard case .branch(let name) = ref.base, ref.offset == .none else { throw CLIError("'\(branch)' is not of the form repo@branch") }
            let headRef = try head.map { h in h.contains("@") ? try store.commitRef(h) : try store.commitRef("\(ref.repo)@\(h)") }
            try await store.client().createBranch(ref.repo, name, head: headRef, move: headRef != nil)
        }
    }
}
