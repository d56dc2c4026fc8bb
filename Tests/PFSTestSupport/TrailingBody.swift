public import PFS

/// A body that sets `checksum` only as it ends, as an HTTP trailer would: whoever records the checksum
/// must read it after the last piece, not before.
public struct TrailingBody: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public var pieces: [[UInt8]]
    public let checksum: BodyChecksum
    public let value: ContentChecksum

    public init(pieces: [[UInt8]], checksum: BodyChecksum, value: ContentChecksum) {
        self.pieces = pieces
        self.checksum = checksum
        self.value = value
    }

    public mutating func next() async throws -> [UInt8]? {
        if pieces.isEmpty {
            checksum.value = value
            return nil
        }
        return pieces.removeFirst()
    }

    public func makeAsyncIterator() -> TrailingBody { self }
}
