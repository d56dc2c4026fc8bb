import ArgumentParser
import PFS
import PFSClient

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a project, repo, branch or file.", subcommands: [Project.self, Repo.self, Branch.self, File.self])

    struct Project: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an empty project.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() async throws { try await store.client().deleteProject(name) }
    }

    struct Repo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a repo with its branches and commits.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() async throws { try await store.client().deleteRepo(try store.repo(name)) }
    }

    struct Branch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a branch: repo@branch. Commits other branches reach stay.")
        @OptionGroup var store: StoreOptions
        @Argument var branch: String

        func run() async throws {
            let ref = try store.commitRef(branch)
            guard case .branch(let name) = ref.base, ref.offset == .none else { throw CLIError("'\(branch)' is not of the form repo@branch") }
            try await store.client().deleteBranch(ref.repo, name)
        }
    }

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a file, or a directory with everything under it: repo@branch:/path.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let ref = try store.fileRef(file)
            let client = try store.client()
            guard !ref.path.isEmpty else { throw CLIError("give the path to delete, as repo@branch:/path") }
            let info = try await client.inspectFile(ref.commit, path: ref.path)
            if info.kind == .directory {
                let dir = ref.path.hasSuffix("/") ? ref.path : ref.path + "/"
                try await client.deleteFiles(ref.commit, paths: [], prefixes: [dir])
            } else {
                try await client.deleteFiles(ref.commit, paths: [ref.path], prefixes: [])
            }
        }
    }
}
