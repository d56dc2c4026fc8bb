import Glibc
import PFS
import PFSClient
import Synchronization

/// What `df` shows for the mount: the room the server's store has, bounded (unless the mount is read-only) by the
/// local cache directory that stages writes before they reach the store.
final class VolumeStats: Sendable {
    private let client: any PFSClient
    private let cacheDirectory: String?
    private let last = Mutex<(at: ContinuousClock.Instant, space: StorageSpace?)?>(nil)
    /// `df` and installers ask in bursts; one question to the server a second is enough.
    static let freshFor: Duration = .seconds(1)
    static let fragmentSize: UInt64 = 4096

    init(client: any PFSClient, cacheDirectory: String?) {
        self.client = client
        self.cacheDirectory = cacheDirectory
    }

    /// The store's room, asked of the server at most once per ``freshFor``.
    func storeSpace() async throws -> StorageSpace? {
        let now = ContinuousClock.now
        if let l = last.withLock({ $0 }), now - l.at < Self.freshFor { return l.space }
        let space = try await client.storageSpace()
        last.withLock { $0 = (now, space) }
        return space
    }

    /// The statvfs answer: the store's size; as free and available, what both the store and the staging cache
    /// can take.
    func current() async throws -> statvfs {
        let cache = try cacheDirectory.map { try StorageSpace.ofVolume(at: $0) }
        // A store that cannot tell its room (an object store) is as large as the cache that stages for it.
        let store = try await storeSpace() ?? cache ?? StorageSpace(totalBytes: 0, freeBytes: 0, availableBytes: 0)
        let total = store.totalBytes
        let free = min(store.freeBytes, cache?.freeBytes ?? .max, total)
        let available = min(store.availableBytes, cache?.availableBytes ?? .max, free)
        var st = statvfs()
        st.f_bsize = 1 << 20
        st.f_frsize = UInt(Self.fragmentSize)
        st.f_blocks = fsblkcnt_t(total / Self.fragmentSize)
        st.f_bfree = fsblkcnt_t(free / Self.fragmentSize)
        st.f_bavail = fsblkcnt_t(available / Self.fragmentSize)
        // PFS sets no limit on the number of files.
        st.f_files = 1 << 32
        st.f_ffree = 1 << 32
        st.f_favail = 1 << 32
        st.f_namemax = UInt(PosixNames.maxNameBytes)
        return st
    }
}
