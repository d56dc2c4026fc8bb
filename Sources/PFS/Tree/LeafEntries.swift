#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a leaf, kept as the leaf's own encoding with where each record (key, then entry) starts.
///
/// An entry is decoded when it is read and copied as bytes when a commit rewrites its leaf. A cached
/// million-file tree is then some thousands of arrays instead of millions of small objects: decoded
/// entries held in the node cache left the heap of a process that had loaded a million files so
/// scattered that its later commits and listing pages took three times as long as in a fresh process
/// on the same store.
struct LeafEntries: Sendable {
    /// The leaf's encoding.
    let bytes: [UInt8]
    /// Where each record starts (its key's length prefix); one more at the end, where the last one ends.
    private let starts: [Int]
    /// The sum of the entries' file sizes.
    let totalSize: UInt64

    static let empty = LeafEntries(bytes: [], starts: [0], totalSize: 0)

    /// Records laid out by ``LeafWriter``, trusted as written.
    init(bytes: [UInt8], starts: [Int], totalSize: UInt64) {
        self.bytes = bytes
        self.starts = starts
        self.totalSize = totalSize
    }

    /// The `count` records of `bytes` from `position`, each checked field by field as ``TreeNode/decodeEntry(_:strings:)``
    /// would read it, so that reading one later does not fail on bytes from a store that may hold anything.
    init(decoding bytes: [UInt8], from position: Int, count: Int) throws {
        var starts: [Int] = []
        starts.reserveCapacity(count + 1)
        var total: UInt64 = 0
        var p = position
        let ok = bytes.withUnsafeBufferPointer { b in
            for _ in 0..<count {
                starts.append(p)
                guard let key = b.varint(at: &p), key <= UInt64(b.count - p) else { return false }
                p += Int(key)
                guard let size = TreeNode.checkEntry(b, &p) else { return false }
                let (sum, overflow) = total.addingReportingOverflow(size)
                guard !overflow else { return false }
                total = sum
            }
            return true
        }
        guard ok else { throw PFSError.corrupt("bad entry in tree leaf") }
        starts.append(p)
        self.init(bytes: bytes, starts: starts, totalSize: total)
    }

    var count: Int { starts.count - 1 }

    /// The bytes of record `i`: its key and its entry, as a new leaf holding the same file takes them.
    func record(_ i: Int) -> ArraySlice<UInt8> { bytes[starts[i]..<starts[i + 1]] }

    /// Calls `body` with the key of record `i`, in place.
    func withKey<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { b in
            let (start, end) = Self.keyBounds(b, at: starts[i])
            return try body(UnsafeBufferPointer(rebasing: b[start..<end]))
        }
    }

    func key(_ i: Int) -> Key { withKey(i) { Key(Array($0)) } }

    /// The order of record `i`'s key against `key`: negative, zero or positive.
    func compareKey(_ i: Int, _ key: Key) -> Int {
        withKey(i) { a in key.bytes.withUnsafeBufferPointer { b in Self.compare(a, b) } }
    }

    /// The order of record `i`'s key here against record `j`'s key in `other`.
    func compareKey(_ i: Int, with other: LeafEntries, _ j: Int) -> Int {
        withKey(i) { a in other.withKey(j) { b in Self.compare(a, b) } }
    }

    /// The index of the first record whose key is `>= key`.
    func lowerBound(_ key: Key) -> Int {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if compareKey(mid, key) < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The entry of record `i`, decoded.
    func entry(_ i: Int) throws -> FileEntry {
        var strings = NodeStrings()
        return try entry(i, strings: &strings)
    }

    /// The entry of record `i`, decoded with the strings of entries read before it from this leaf.
    func entry(_ i: Int, strings: inout NodeStrings) throws -> FileEntry {
        var r = BinaryReader(bytes)
        r.position = bytes.withUnsafeBufferPointer { Self.keyBounds($0, at: starts[i]).end }
        return try TreeNode.decodeEntry(&r, strings: &strings)
    }

    /// The file size of record `i`'s entry, its first field.
    func size(_ i: Int) -> UInt64 {
        bytes.withUnsafeBufferPointer { b in
            var p = Self.keyBounds(b, at: starts[i]).end
            return b.varint(at: &p)!
        }
    }

    /// Where the key bytes of the record at `start` begin and end. The record was checked when the leaf was made.
    private static func keyBounds(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> (start: Int, end: Int) {
        var p = start
        let n = Int(b.varint(at: &p)!)
        return (p, p + n)
    }

    private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = Int(memcmp(a.baseAddress!, b.baseAddress!, n))
            if c != 0 { return c }
        }
        return a.count - b.count
    }
}
