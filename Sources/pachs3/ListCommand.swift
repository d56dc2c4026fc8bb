import ArgumentParser
import PFS
import PFSClient

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List projects, repos, branches, commits or files.",
        subcommands: [Project.self, Repo.self, Branch.self, Commit.self, File.self])

    struct Project: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let ps = try await store.client().listProjects()
            Output.table(["PROJECT", "CREATED", "DESCRIPTION"], ps.map { [$0.name, Output.time($0.created), $0.description] })
        }
    }

    struct Repo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List repos.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Repos of every project.") var allProjects = false

        func run() async throws {
            let client = try store.client()
            var rows: [[String]] = []
            for r in try await client.listRepos(project: allProjects ? nil : store.project) {
                var size = "-"
                if r.branches.contains("master"), let c = try? await client.inspectCommit(.branch(r.repo, "master")) { size = Output.size(c.sizeBytes) }
                rows.append([r.repo.project, r.repo.name, Output.time(r.created), size, r.description])
            }
            Output.table(["PROJECT", "NAME", "CREATED", "SIZE (MASTER)", "DESCRIPTION"], rows)
        }
    }

    struct Branch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the branches of a repo.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The repo.") var repo: String

        func run() async throws {
            let bs = try await store.client().listBranches(try store.repo(repo))
            Output.table(["BRANCH", "HEAD"], bs.map { [$0.name, $0.head?.rawValue ?? "-"] })
        }
    }

    struct Commit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List commits: every commit of a repo, or the history of repo@ref.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo or repo@ref") var target: String
        @Option(name: .shortAndLong, help: "At most this many commits (0: all).") var number: Int = 0

        func run() async throws {
            let client = try store.client()
            let commits: [CommitInfo]
            if target.contains("@") {
                let ref = try store.commitRef(target)
                commits = try await client.listCommits(ref.repo, from: ref, limit: number)
            } else {
                commits = try await client.listCommits(try store.repo(target), from: nil, limit: number)
            }
            Output.table(
                ["REPO", "BRANCH", "COMMIT", "STARTED", "FINISHED", "FILES", "SIZE", "DESCRIPTION"],
                commits.map {
                    [
                        $0.repo.description, $0.branch ?? "-", $0.id.rawValue, Output.time($0.started), $0.finished == nil ? "open" : Output.time($0.finished),
                        String($0.fileCount), Output.size($0.sizeBytes), $0.description,
                    ]
                })
        }
    }

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the files of a directory: repo@ref[:/dir].")
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo@ref:/dir") var target: String

        func run() async throws {
            let ref = try store.fileRef(target)
            let client = try store.client()
            var prefix = ref.path
            if !prefix.isEmpty, !prefix.hasSuffix("/") {
                let info = try await client.inspectFile(ref.commit, path: prefix)
                if info.kind == .file {
                    Output.table(["NAME", "TYPE", "SIZE"], [["/" + info.path, "file", Output.size(info.size)]])
                    return
                }
                prefix += "/"
            }
            var rows: [[String]] = []
            var after: String?
            repeat {
                let page = try await client.listFiles(ref.commit, prefix: prefix, startAfter: after, delimiter: "/", limit: 1000)
                var i = 0
                var j = 0
                // Merge files and directories in key order.
                while i < page.files.count || j < page.commonPrefixes.count {
                    let f = i < page.files.count ? page.files[i] : nil
                    let d = j < page.commonPrefixes.count ? page.commonPrefixes[j] : nil
                    if let f, d == nil || Array(f.path.utf8).lexicographicallyPrecedes(Array(d!.utf8)) {
                        if f.path != prefix { rows.append(["/" + f.path, f.kind == .file ? "file" : "dir", Output.size(f.size)]) }
                        i += 1
                    } else if let d {
                        rows.append(["/" + d, "dir", "-"])
                        j += 1
                    }
                }
                after = page.isTruncated ? page.nextMarker : nil
            } while after != nil
            Output.table(["NAME", "TYPE", "SIZE"], rows)
        }
    }
}
