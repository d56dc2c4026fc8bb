#ifndef C_PFS_SYSTEM_H
#define C_PFS_SYSTEM_H

// Linux calls that Swift's Glibc module does not export (they need _GNU_SOURCE, or a header it leaves out).

#include <sys/xattr.h>

/// Starts writeback of a file's dirty pages without waiting (sync_file_range with SYNC_FILE_RANGE_WRITE).
int cpfs_start_writeback(int fd);

/// The O_DIRECT open flag (I/O that bypasses the page cache), or 0 where there is none.
int cpfs_o_direct(void);

/// Limits glibc malloc to `count` arenas (mallopt M_ARENA_MAX); 1 on success, 0 where there is no such setting.
int cpfs_limit_malloc_arenas(int count);

/// Keeps blocks up to `mmap_threshold` bytes on malloc's heaps and lets up to `trim_threshold` free bytes stay
/// there (glibc; elsewhere a no-op). Returns 1 on success.
int cpfs_keep_freed_memory(long mmap_threshold, long trim_threshold);

#endif
