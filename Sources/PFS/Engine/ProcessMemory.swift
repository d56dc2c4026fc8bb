internal import CPFSSystem
import Foundation

/// Allocator settings for a process that runs the engine, applied once at start.
public enum ProcessMemory {
    /// Blocks up to this size come from malloc's heaps instead of their own mappings: every chunk (4 MiB at most)
    /// and every network buffer.
    static let heapBlockLimit = 32 << 20
    /// Free memory malloc keeps at the top of each heap instead of returning it to the kernel.
    static let keptFree = 64 << 20

    /// Applies both settings below.
    public static func configure() {
        limitArenas()
        keepFreedMemory()
    }

    /// Limits glibc's malloc to one arena per core instead of its default eight. The engine's tasks hop
    /// between threads, so memory freed on one lands in arenas others never reuse: after a million files
    /// were loaded (pfs-bench) the process kept 1,010 MiB resident with glibc's default and 729 MiB with
    /// two arenas, and a cold listing page took 6.4 ms against 4.2 ms.
    static func limitArenas() {
        _ = cpfs_limit_malloc_arenas(Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
    }

    /// Lets malloc reuse the megabyte-sized blocks that every streamed body allocates and frees, instead of
    /// mapping fresh pages for each (and unmapping or trimming them after): with glibc's defaults a 256 MiB
    /// S3 GET faulted in 50,000-140,000 zeroed pages per GiB (page faults were ~10% of the server's CPU);
    /// with these, almost none. Measured: GET 1.8-2.0 → 1.4-1.6 server CPU-s/GiB, PUT 4.7-4.8 → 4.1-4.5.
    static func keepFreedMemory() {
        _ = cpfs_keep_freed_memory(heapBlockLimit, keptFree)
    }
}
