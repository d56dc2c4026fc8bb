import Synchronization

/// A chunk cut from a body, in page-aligned segments of a fixed size: filled once, then only read. The blob
/// store writes whole segments with O_DIRECT straight from them, where a chunk in ordinary memory goes through
/// an aligned copy first (that copy, on an I/O thread away from the cache that had just held the bytes, was 11%
/// of the CPU of a sequential write through the mount). Fixed-size segments, unlike one buffer per chunk sized
/// for the largest chunk, are few sizes to reuse; freed ones are kept for the next chunks (aligned blocks handed
/// back to malloc fragmented its heaps: 4 clients putting and then getting 2 GiB each peaked at 235-243 MiB
/// resident, against 137 with arrays).
final class ChunkSegments: BlobBytes, @unchecked Sendable {
    static let segmentSize = 256 * 1024
    /// The alignment O_DIRECT asks of user memory on the file systems here.
    static let alignment = 4096

    /// Free segments kept for reuse, at most ``spareLimit`` (32 MiB: the chunks of several bodies in flight).
    private static let spare = Mutex<[Segment]>([])
    static let spareLimit = 128

    private struct Segment: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    private var segments: [UnsafeMutableRawPointer] = []
    private(set) var count = 0

    init() {}

    deinit {
        let extra: [UnsafeMutableRawPointer] = Self.spare.withLock { spare in
            let kept = Swift.min(segments.count, Self.spareLimit - spare.count)
            spare.append(contentsOf: segments.prefix(Swift.max(kept, 0)).map(Segment.init))
            return Array(segments.dropFirst(Swift.max(kept, 0)))
        }
        for s in extra { s.deallocate() }
    }

    private static func segment() -> UnsafeMutableRawPointer {
        spare.withLock { $0.popLast()?.pointer } ?? .allocate(byteCount: segmentSize, alignment: alignment)
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        var from = 0
        while from < bytes.count {
            let used = count % Self.segmentSize
            if used == 0 && count == segments.count * Self.segmentSize {
                segments.append(Self.segment())
            }
            let n = Swift.min(Self.segmentSize - used, bytes.count - from)
            (segments[count / Self.segmentSize] + used).copyMemory(from: bytes.baseAddress! + from, byteCount: n)
            count += n
            from += n
        }
    }

    func withPieces<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        var pieces: [UnsafeRawBufferPointer] = []
        pieces.reserveCapacity(segments.count)
        var left = count
        for s in segments where left > 0 {
            let n = Swift.min(left, Self.segmentSize)
            pieces.append(UnsafeRawBufferPointer(start: s, count: n))
            left -= n
        }
        return try body(pieces)
    }
}
