#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much room a store has: what a file system's `statvfs` tells of the volume that holds it.
public struct StorageSpace: Sendable, Hashable {
    /// The size of the volume holding the store.
    public var totalBytes: UInt64
    /// What the volume has free, blocks kept for root included.
    public var freeBytes: UInt64
    /// What is left for new data.
    public var availableBytes: UInt64

    public init(totalBytes: UInt64, freeBytes: UInt64, availableBytes: UInt64) {
        self.totalBytes = totalBytes
        self.freeBytes = freeBytes
        self.availableBytes = availableBytes
    }

    /// The volume that holds `path`.
    public static func ofVolume(at path: String) throws -> StorageSpace {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { throw PFSError.systemCall("statvfs \(path)", errno: errno) }
        let unit = UInt64(st.f_frsize == 0 ? st.f_bsize : st.f_frsize)
        return StorageSpace(totalBytes: UInt64(st.f_blocks) * unit, freeBytes: UInt64(st.f_bfree) * unit, availableBytes: UInt64(st.f_bavail) * unit)
    }
}
