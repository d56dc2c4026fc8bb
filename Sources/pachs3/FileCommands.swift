import ArgumentParser
import Foundation
import PFS
import PFSClient

struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "Put data into PFS.", subcommands: [File.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a file from a local file, stdin, or a directory (-r) into repo@branch:/path.",
            discussion: """
                Without -f the content is read from stdin. A put to a branch whose HEAD is finished makes a new commit;
                with -r all files go into one commit.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo@branch:/path") var target: String
        @Option(name: .shortAndLong, help: "The local file or directory ('-' for stdin).") var file: String = "-"
        @Flag(name: .shortAndLong, help: "Put every file under a local directory.") var recursive = false
        @Flag(name: .shortAndLong, help: "Append to the file instead of replacing it.") var append = false
        @Option(help: "The content type to record.") var contentType: String?

        func run() async throws {
            let ref = try store.fileRef(target)
            let client = try store.client()
            if recursive {
                try await putDirectory(client, ref)
                return
            }
            var path = ref.path
            if path.isEmpty || path.hasSuffix("/") {
                guard file != "-" else { throw CLIError("give a file path in '\(target)' when reading stdin") }
                path += (file as NSString).lastPathComponent
            }
            let r = try await putOne(client, ref.commit, path: path, local: file)
            print(r.commit)
        }

        private func putOne(_ client: any PFSClient, _ ref: CommitRef, path: String, local: String) async throws -> PutResult {
            let fd = local == "-" ? 0 : open(local, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CLIError("cannot open \(local): \(String(cString: strerror(errno)))") }
            defer { if fd != 0 { close(fd) } }
            var st = stat()
            let total: UInt64? = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? UInt64(st.st_size) : nil
            if (st.st_mode & S_IFMT) == S_IFDIR { throw CLIError("\(local) is a directory; use -r") }
            let progress = Progress(path, total: total)
            let r = try await client.putFile(
                ref, path: path, from: LocalFileStream(fd: fd, progress: progress), contentType: contentType, metadata: [:], append: append)
            progress.finish()
            return r
        }

        private func putDirectory(_ client: any PFSClient, _ ref: FileRef) async throws {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDir), isDir.boolValue else {
                throw CLIError("\(file) is not a directory")
            }
            var files: [String] = []
            guard let walker = FileManager.default.enumerator(atPath: file) else { throw CLIError("cannot read \(file)") }
            while let rel = walker.nextObject() as? String {
                var d: ObjCBool = false
                if FileManager.default.fileExists(atPath: file + "/" + rel, isDirectory: &d), !d.boolValue { files.append(rel) }
            }
            files.sort()
            // One commit for the whole directory: start one unless the target is already an open commit.
            var target = ref.commit
            var started: CommitInfo?
            if case .branch(let b) = ref.commit.base {
                let open = (try? await client.inspectCommit(ref.commit))?.isOpen ?? false
                if !open {
                    started = try await client.startCommit(ref.commit.repo, branch: b, parent: nil, description: "put file -r \(file)")
                    target = .commit(ref.commit.repo, started!.id)
                }
            }
            let base = ref.path.isEmpty || ref.path.hasSuffix("/") ? ref.path : ref.path + "/"
            for rel in files { _ = try await putOne(client, target, path: base + rel, local: file + "/" + rel) }
            if let started {
                let c = try await client.finishCommit(.commit(ref.commit.repo, started.id), description: "")
                print(c.id)
            }
        }
    }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Get data from PFS.", subcommands: [File.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a file of repo@ref:/path to stdout or a local file.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo@ref:/path") var source: String
        @Option(name: .shortAndLong, help: "The local file to write (default: stdout).") var output: String?
        @Option(help: "Start at this byte offset.") var offset: UInt64 = 0
        @Option(help: "Read at most this many bytes.") var length: UInt64?

        func run() async throws {
            let ref = try store.fileRef(source)
            let client = try store.client()
            let info = try await client.inspectFile(ref.commit, path: ref.path)
            guard info.kind == .file else { throw CLIError("'/\(ref.path)' is a directory") }
            let fd = output.map { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) } ?? 1
            guard fd >= 0 else { throw CLIError("cannot create \(output!): \(String(cString: strerror(errno)))") }
            defer { if fd != 1 { close(fd) } }
            let progress = output == nil ? nil : Progress(ref.path, total: info.size)
            for try await piece in try await client.getFile(ref.commit, path: ref.path, offset: offset, length: length) {
                try piece.withUnsafeBytes { buf in
                    var off = 0
                    while off < buf.count {
                        let n = write(fd, buf.baseAddress! + off, buf.count - off)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw CLIError("write error: \(String(cString: strerror(errno)))")
                        }
                        off += n
                    }
                }
                progress?.add(piece.count)
            }
            progress?.finish()
        }
    }
}

struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "copy", abstract: "Copy data in PFS.", subcommands: [File.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy a file or directory by reference (no bytes move): SRC DST.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo@ref:/path") var source: String
        @Argument(help: "repo@branch:/path") var destination: String

        func run() async throws {
            let s = try store.fileRef(source)
            let d = try store.fileRef(destination)
            print(try await store.client().copyFile(from: s.commit, path: s.path, to: d.commit, path: d.path))
        }
    }
}

struct GlobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "glob", abstract: "Match files by pattern.", subcommands: [File.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List files and directories matching repo@ref:PATTERN (*, ?, **, [...]).")
        @OptionGroup var store: StoreOptions
        @Argument var pattern: String

        func run() async throws {
            let ref = try store.fileRef(pattern)
            let files = try await store.client().globFiles(ref.commit, pattern: ref.path)
            Output.table(["NAME", "TYPE", "SIZE"], files.map { ["/" + $0.path, $0.kind == .file ? "file" : "dir", Output.size($0.size)] })
        }
    }
}

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Compare commits.", subcommands: [File.self])

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The files added, modified and deleted from OLD (default: the parent) to NEW.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "repo@ref[:/path]") var new: String
        @Argument(help: "repo@ref") var old: String?

        func run() async throws {
            let n = try store.fileRef(new)
            let o = try old.map { try store.fileRef($0).commit }
            let changes = try await store.client().diffFiles(n.commit, old: o, prefix: n.path, limit: 0)
            for c in changes {
                let sign = c.kind == .added ? "+" : (c.kind == .deleted ? "-" : "~")
                print("\(sign) /\(c.path)\t\(Output.size(c.new?.size ?? c.old?.size ?? 0))")
            }
        }
    }
}

struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gc", abstract: "Delete stored data that no commit reaches.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Keep blobs written in the last SECONDS (protects writers in other processes).") var grace: Double = 600

    func run() async throws {
        let r = try await store.client().garbageCollect(grace: grace)
        print("deleted \(r.blobsDeleted) blobs, \(r.nodesDeleted) tree nodes, \(r.smallChunksDeleted) small chunks, \(r.temporariesRemoved) temporary files; kept \(r.blobsKept) blobs")
    }
}

struct FsckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fsck", abstract: "Verify every commit, tree node and chunk against its hash.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let r = try await store.client().checkIntegrity()
        print("checked \(r.commits) commits, \(r.nodes) tree nodes, \(r.chunks) chunks (\(Output.size(r.bytesVerified)))")
        for p in r.problems { print("PROBLEM: \(p)") }
        if !r.problems.isEmpty { throw CLIError("\(r.problems.count) problem(s) found") }
    }
}
