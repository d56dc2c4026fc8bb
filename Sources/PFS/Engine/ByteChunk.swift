public import Foundation

/// A piece of a byte stream that exposes its contiguous bytes; file bodies arrive as async sequences of these.
public protocol ByteChunk: Sendable {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ByteChunk where Element == UInt8 {}
extension ArraySlice: ByteChunk where Element == UInt8 {}
extension Data: ByteChunk {}
