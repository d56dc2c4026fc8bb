import ArgumentParser
import Foundation
import PFSClient
import PFSMount
import PFSRemote

struct MountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount", abstract: "Mount the repos at MOUNTPOINT: /<repo>/<branch>/… and /<repo>/@<commit>/….",
        discussion: """
            Mounts the repos of a pachs3 server (--address, default $PACHS3_ADDRESS, else the config file's, else
            localhost:30650; the token from token_file=, else $PACHS3_TOKEN, else the config file), or serves the embedded store in --data-dir in this process.
            Runs until unmounted (umount, fusermount3 -u) or stopped with SIGTERM/SIGINT, which commits what is
            staged and unmounts.
            Options (-o): ro, rw, allow_other, commit=close|unmount, cache_dir=DIR, token_file=FILE, tls_ca=FILE, _netdev.
            A server serving TLS is reached as grpcs://HOST:PORT.
            """)

    @OptionGroup var store: StoreOptions
    @Option(name: .short, help: "Mount options, comma-separated.") var options: String = ""
    @Argument(help: "An existing empty directory.") var mountpoint: String

    func run() async throws {
        let opts = try MountOptions(parsing: options)
        try MountCommand.checkMountpoint(mountpoint)
        if let tf = opts.tokenFile, !FileManager.default.isReadableFile(atPath: tf) { throw CLIError("token_file \(tf) cannot be read") }
        if let ca = opts.trustedCertificates, !FileManager.default.isReadableFile(atPath: ca) { throw CLIError("tls_ca \(ca) cannot be read") }
        let env = ProcessInfo.processInfo.environment
        let client: any PFSClient
        let source: String
        let cache: String
        if let dir = store.dataDir ?? (store.address == nil ? env["PACHS3_DATA"] : nil) {
            client = try LocalPFSClient(dataDirectory: dir)
            source = dir
            cache = opts.cacheDirectory ?? (dir as NSString).appendingPathComponent("mount-cache")
        } else {
            let settings = try ServerSettings.resolve(address: store.address, tlsCA: opts.trustedCertificates ?? store.tlsCA)
            source = settings.address
            var token = settings.token
            if let tf = opts.tokenFile {
                token = try String(contentsOfFile: tf, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let remote = try settings.client(token: token)
            // Fail fast, with the reason, when the server is not there or refuses the token.
            do {
                _ = try await remote.listRepos(project: nil)
            } catch {
                throw CLIError("cannot reach the pachs3 server at \(source): \(error)")
            }
            client = remote
            // Staged writes of a network mount live next to nothing else: a directory of their own.
            cache = opts.cacheDirectory ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("pachs3-mount-\(getpid())")
        }
        let mount = try MountCommand.start(client: client, at: mountpoint, options: opts, cacheDirectory: cache, source: source)
        let signals = MountCommand.unmountOnSignals(mount)
        FileHandle.standardOutput.write(Data("pachs3 mount ready at \(mountpoint)\n".utf8))
        await mount.run()
        signals.forEach { $0.cancel() }
    }

    static func checkMountpoint(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("mount point \(path) is not an existing directory")
        }
    }

    static func start(client: any PFSClient, at mountpoint: String, options: MountOptions, cacheDirectory: String, source: String) throws -> PFSMount {
        let config = MountConfiguration(
            readOnly: options.readOnly, allowOther: options.allowOther, commitPolicy: options.commitPolicy, cacheDirectory: cacheDirectory,
            source: source,
            log: { FileHandle.standardError.write(Data("pachs3 mount: \($0)\n".utf8)) })
        do {
            return try PFSMount(client: client, mountpoint: mountpoint, configuration: config)
        } catch let e as MountError {
            throw CLIError(e.description)
        }
    }

    /// SIGTERM and SIGINT unmount (after committing what is staged) instead of killing the process.
    static func unmountOnSignals(_ mount: PFSMount) -> [any DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { Task { await mount.unmount() } }
            src.resume()
            return src
        }
    }
}
