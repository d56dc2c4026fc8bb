#ifndef C_FUSE3_SHIM_H
#define C_FUSE3_SHIM_H

// libfuse 3.14 (Debian 12): the 3.12 API, whose fuse_session_loop_mt takes a fuse_loop_config.
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>

// What Swift cannot import from libfuse: a function-like macro and the bit fields of fuse_file_info.

static inline int cfuse3_session_loop_mt(struct fuse_session *se, struct fuse_loop_config *config) {
    return fuse_session_loop_mt(se, config);
}

static inline void cfuse3_set_keep_cache(struct fuse_file_info *fi, int on) { fi->keep_cache = on ? 1 : 0; }
static inline void cfuse3_set_direct_io(struct fuse_file_info *fi, int on) { fi->direct_io = on ? 1 : 0; }
static inline void cfuse3_set_cache_readdir(struct fuse_file_info *fi, int on) { fi->cache_readdir = on ? 1 : 0; }

#endif
