public import NIOCore
public import PFS

/// A ByteBuffer as a piece of a PFS byte stream: request bodies arrive as these, and object reads fill them
/// straight from the store, so a GET writes the very buffer the chunk was read into.
public struct ByteBufferChunk: FillableByteChunk {
    public var buffer: ByteBuffer

    public init(_ buffer: ByteBuffer) { self.buffer = buffer }

    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { free in
            try fill(UnsafeMutableRawBufferPointer(rebasing: free[..<count]))
            return count
        }
        self.buffer = buffer
    }

    public var count: Int { buffer.readableBytes }

    public func slice(_ range: Range<Int>) -> ByteBufferChunk {
        ByteBufferChunk(buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!)
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }
}
