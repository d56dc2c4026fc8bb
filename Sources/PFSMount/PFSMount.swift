import Foundation
public import PFSClient

/// A mounted pachs3 file system (DESIGN §5): `/<repo>/<branch>/…` follows the branch HEAD,
/// `/<repo>/@<commitID>/…` is a read-only commit snapshot.
public final class PFSMount: Sendable {
    private let fs: MountFileSystem
    private let session: FuseSession
    public let mountpoint: String

    /// Mounts the client's repos at `mountpoint` and starts answering the kernel.
    public init(client: any PFSClient, mountpoint: String, configuration: MountConfiguration) throws {
        let fs = try MountFileSystem(client: client, configuration: configuration)
        var options = ["fsname=\(configuration.source)", "subtype=pachs3", "default_permissions"]
        if configuration.allowOther { options.append("allow_other") }
        if configuration.readOnly { options.append("ro") }
        let userdata = Unmanaged.passRetained(fs).toOpaque()
        let session = try FuseSession(mountpoint: mountpoint, options: options, userdata: userdata)
        fs.session.withLock { $0 = session }
        self.session = session
        self.fs = fs
        self.mountpoint = mountpoint
    }

    /// Serves the mount until it is unmounted (by ``unmount()``, `umount` or `fusermount3 -u`).
    public func run() async {
        fs.writes.commitRecovered()
        await session.run(threads: 16)
        // Unmounted from outside (umount, fusermount3 -u): what is staged is still committed.
        await fs.writes.commitAll()
    }

    /// Commits what is staged, then unmounts; ``run()`` then returns.
    public func unmount() async {
        await fs.writes.commitAll()
        session.unmount()
    }
}
