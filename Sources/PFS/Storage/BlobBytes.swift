/// The bytes of one blob, in one piece of memory or several.
public protocol BlobBytes: Sendable {
    var count: Int { get }
    /// Calls `body` with the pieces, in order; they stay valid only while it runs.
    func withPieces<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R
}

extension BlobBytes {
    /// Calls `body` with each piece, in order.
    public func forEachPiece(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try withPieces { pieces in for p in pieces { try body(p) } }
    }
}

extension Array: BlobBytes where Element == UInt8 {
    public func withPieces<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body([$0]) }
    }
}
