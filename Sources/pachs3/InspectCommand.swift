import ArgumentParser
import PFS
import PFSClient

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a project, repo, branch, commit or file.",
        subcommands: [Project.self, Repo.self, Branch.self, Commit.self, File.self])

    struct Project: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a project.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() async throws {
            let p = try await store.client().inspectProject(name)
            print("Name: \(p.name)\nCreated: \(Output.time(p.created))\nDescription: \(p.description)")
        }
    }

    struct Repo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a repo.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() async throws {
            let r = try await store.client().inspectRepo(try store.repo(name))
            print("Name: \(r.repo.name)\nProject: \(r.repo.project)\nCreated: \(Output.time(r.created))")
            print("Description: \(r.description)\nBranches: \(r.branches.joined(separator: ", "))")
        }
    }

    struct Branch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a branch: repo@branch.")
        @OptionGroup var store: StoreOptions
        @Argument var branch: String

        func run() async throws {
            let ref = try store.commitRef(branch)
            guard let name = ref.branchName else { throw CLIError("'\(branch)' is not of the form repo@branch") }
            let b = try await store.client().inspectBranch(ref.repo, name)
            print("Name: \(b.name)\nRepo: \(b.repo)\nHead: \(b.head?.rawValue ?? "-")")
        }
    }

    struct Commit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a commit: repo@ref.")
        @OptionGroup var store: StoreOptions
        @Argument var ref: String

        func run() async throws {
            let c = try await store.client().inspectCommit(try store.commitRef(ref))
            print("Commit: \(c.repo)@\(c.id)")
            print("Branch: \(c.branch ?? "-")\nParent: \(c.parent?.rawValue ?? "-")")
            print("Started: \(Output.time(c.started))\nFinished: \(c.finished == nil ? "open" : Output.time(c.finished))")
            print("Files: \(c.fileCount)\nSize: \(Output.size(c.sizeBytes))\nDescription: \(c.description)")
        }
    }

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a file: repo@ref:/path.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let ref = try store.fileRef(file)
            let f = try await store.client().inspectFile(ref.commit, path: ref.path)
            print("Path: /\(f.path)\nType: \(f.kind == .file ? "file" : "dir")")
            if let e = f.entry {
                print("Size: \(e.size)\nETag: \(e.etag)\nContent-Type: \(e.contentType)\nCommit: \(e.commit)\nModified: \(Output.time(e.modified))")
                for (k, v) in e.metadata.sorted(by: { $0.key < $1.key }) { print("Metadata \(k): \(v)") }
            }
        }
    }
}
