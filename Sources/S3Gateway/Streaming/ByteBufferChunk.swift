public import NIOCore
public import PFS

/// A ByteBuffer as a piece of a PFS byte stream.
public struct ByteBufferChunk: ByteChunk {
    public var buffer: ByteBuffer

    public init(_ buffer: ByteBuffer) { self.buffer = buffer }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }
}
