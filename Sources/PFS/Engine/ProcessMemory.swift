internal import CPFSSystem
import Foundation

/// Allocator settings for a process that runs the engine, applied once at start.
public enum ProcessMemory {
    /// Limits glibc's malloc to one arena per core instead of its default eight. The engine's tasks hop
    /// between threads, so memory freed on one lands in arenas others never reuse: after a million files
    /// were loaded (pfs-bench) the process kept 1,010 MiB resident with glibc's default and 729 MiB with
    /// two arenas, and a cold listing page took 6.4 ms against 4.2 ms.
    public static func limitArenas() {
        _ = cpfs_limit_malloc_arenas(Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
    }
}
