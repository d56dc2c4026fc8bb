#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file path as stored in a tree: the UTF-8 bytes of the S3 key, ordered bytewise as S3 lists keys.
struct Key: Hashable, Sendable, Comparable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ s: String) { bytes = Array(s.utf8) }
    init<S: StringProtocol>(_ s: S) { bytes = Array(s.utf8) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    static func < (a: Key, b: Key) -> Bool { compare(a.bytes, b.bytes) < 0 }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let n = min(a.count, b.count)
        let c = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in n == 0 ? 0 : Int(memcmp(pa.baseAddress!, pb.baseAddress!, n)) }
        }
        if c != 0 { return c }
        return a.count - b.count
    }

    func hasPrefix(_ p: [UInt8]) -> Bool {
        guard bytes.count >= p.count else { return false }
        for i in 0..<p.count where bytes[i] != p[i] { return false }
        return true
    }

    /// The smallest key greater than every key that starts with `prefix`, or nil if there is none.
    static func successor(ofPrefix prefix: [UInt8]) -> Key? {
        var p = prefix
        while let last = p.last {
            if last < 0xFF {
                p[p.count - 1] = last + 1
                return Key(p)
            }
            p.removeLast()
        }
        return nil
    }

    /// The smallest key greater than `self`.
    var immediateSuccessor: Key { Key(bytes + [0]) }
}
