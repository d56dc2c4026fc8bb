/// How a mount behaves.
public struct MountConfiguration: Sendable {
    /// When changes made through the mount become commits.
    public enum CommitPolicy: String, Sendable, CaseIterable {
        /// When files are closed; closes close together share one commit.
        case close
        /// Only when the file system is unmounted.
        case unmount
    }

    /// Refuse every write (EROFS), also on branches.
    public var readOnly: Bool
    /// Let users other than the one who mounted use the mount.
    public var allowOther: Bool
    public var commitPolicy: CommitPolicy
    /// Where written files are staged until they are committed.
    public var cacheDirectory: String
    /// The source shown in /proc/mounts (the server address or the data directory).
    public var source: String
    /// How long the kernel may cache names and attributes under a branch, in seconds. Commit
    /// subscriptions invalidate what a new commit changes as soon as it lands, so this only bounds
    /// staleness if a notification is lost.
    public var branchCacheSeconds: Double
    /// How long closes may wait for each other to share one commit, in seconds.
    public var commitDelaySeconds: Double
    /// A file written sequentially from its start is streamed into the store once it has this many bytes,
    /// so its commit only waits for the tail (with ``CommitPolicy/close``; commits at unmount do not stream).
    public var streamThresholdBytes: UInt64
    /// Memory for recently read blocks of files (random reads), in bytes.
    public var readCacheBytes: Int
    /// Where the mount reports what it hides or fails to do.
    public var log: @Sendable (String) -> Void

    public init(
        readOnly: Bool = false, allowOther: Bool = false, commitPolicy: CommitPolicy = .close, cacheDirectory: String,
        source: String = "pachs3", branchCacheSeconds: Double = 30, commitDelaySeconds: Double = 0.05, readCacheBytes: Int = 1 << 30,
        streamThresholdBytes: UInt64 = 8 << 20,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.readOnly = readOnly
        self.allowOther = allowOther
        self.commitPolicy = commitPolicy
        self.cacheDirectory = cacheDirectory
        self.source = source
        self.branchCacheSeconds = branchCacheSeconds
        self.commitDelaySeconds = commitDelaySeconds
        self.readCacheBytes = readCacheBytes
        self.streamThresholdBytes = streamThresholdBytes
        self.log = log
    }
}
