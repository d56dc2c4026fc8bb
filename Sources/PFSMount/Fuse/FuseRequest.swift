internal import CFuse3
import Glibc

/// One request from the kernel, answered exactly once, from any thread (the low-level API allows it).
struct FuseRequest: @unchecked Sendable {
    let raw: OpaquePointer

    func fail(_ errno: Int32) { fuse_reply_err(raw, errno) }
    func ok() { fuse_reply_err(raw, 0) }
    func none() { fuse_reply_none(raw) }

    func entry(_ e: fuse_entry_param) {
        var e = e
        fuse_reply_entry(raw, &e)
    }

    func attr(_ st: stat, timeout: Double) {
        var st = st
        fuse_reply_attr(raw, &st, timeout)
    }

    func open(_ fi: fuse_file_info) {
        var fi = fi
        fuse_reply_open(raw, &fi)
    }

    func create(_ e: fuse_entry_param, _ fi: fuse_file_info) {
        var e = e
        var fi = fi
        fuse_reply_create(raw, &e, &fi)
    }

    func buffer(_ bytes: UnsafeRawBufferPointer) {
        fuse_reply_buf(raw, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    func bytes(_ bytes: [UInt8]) { bytes.withUnsafeBytes { buffer($0) } }

    /// Replies with `parts` one after another, written to the kernel from where they are.
    func gather(_ parts: [ArraySlice<UInt8>]) {
        var vectors: [iovec] = []
        vectors.reserveCapacity(parts.count)
        gather(parts[...], into: &vectors)
    }

    // Each part's storage is pinned by its own withUnsafeBytes until the reply is written.
    private func gather(_ rest: ArraySlice<ArraySlice<UInt8>>, into vectors: inout [iovec]) {
        guard let first = rest.first else {
            if vectors.isEmpty { return buffer(UnsafeRawBufferPointer(start: nil, count: 0)) }
            vectors.withUnsafeBufferPointer { _ = fuse_reply_iov(raw, $0.baseAddress, Int32($0.count)) }
            return
        }
        first.withUnsafeBytes { b in
            if b.count > 0 { vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)) }
            gather(rest.dropFirst(), into: &vectors)
        }
    }

    func written(_ count: Int) { fuse_reply_write(raw, count) }

    func xattrSize(_ size: Int) { fuse_reply_xattr(raw, size) }

    func statfs(_ st: statvfs) {
        var st = st
        fuse_reply_statfs(raw, &st)
    }
}

/// A reply from a request handler: an errno, or a success the caller sends.
struct FuseError: Error {
    var errno: Int32
    init(_ errno: Int32) { self.errno = errno }
}
