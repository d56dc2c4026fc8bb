public import PFS

/// A file looked up once: what ``PFSClient/inspectFile(_:path:)`` returns, and reads of exactly
/// that version, however the ref's branch moves afterwards.
public struct OpenedFile: Sendable {
    /// The file or directory found, as ``PFSClient/inspectFile(_:path:)`` reports it.
    public let info: FileInfo
    private let source: any FileBytesSource

    /// A file found as `info`, whose bytes `reader` streams from an offset, at most a length (nil: to the end).
    public init(info: FileInfo, reader: @escaping @Sendable (_ offset: UInt64, _ length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error>) {
        self.info = info
        self.source = ArraySource(reader: reader)
    }

    init(info: FileInfo, source: any FileBytesSource) {
        self.info = info
        self.source = source
    }

    /// Streams the bytes of the version found, from `offset`, at most `length` bytes (nil: to the end).
    /// Fails for a directory, as ``PFSClient/getFile(_:path:offset:length:)`` does.
    public func read(offset: UInt64 = 0, length: UInt64? = nil) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        try await source.read(offset: offset, length: length, as: [UInt8].self)
    }

    /// ``read(offset:length:)`` in chunks of type `Bytes`: an in-process client reads the stored chunks
    /// straight into them, where others copy what they receive.
    public func read<Bytes: FillableByteChunk>(offset: UInt64 = 0, length: UInt64? = nil, as: Bytes.Type) async throws
        -> AsyncThrowingStream<Bytes, any Error>
    {
        try await source.read(offset: offset, length: length, as: Bytes.self)
    }
}

/// Where an ``OpenedFile``'s bytes come from.
protocol FileBytesSource: Sendable {
    func read<Bytes: FillableByteChunk>(offset: UInt64, length: UInt64?, as: Bytes.Type) async throws -> AsyncThrowingStream<Bytes, any Error>
}

/// A source that streams arrays; other chunk types are copies of them.
private struct ArraySource: FileBytesSource {
    let reader: @Sendable (UInt64, UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error>

    func read<Bytes: FillableByteChunk>(offset: UInt64, length: UInt64?, as: Bytes.Type) async throws -> AsyncThrowingStream<Bytes, any Error> {
        let arrays = try await reader(offset, length)
        if let same = arrays as? AsyncThrowingStream<Bytes, any Error> { return same }
        let box = IteratorBox(arrays.makeAsyncIterator())
        return AsyncThrowingStream {
            try await box.iterator.next().map { piece in piece.withUnsafeBytes { Bytes(copying: $0) } }
        }
    }
}

/// Holds an iterator for a stream's unfolding closure, which the stream calls one at a time.
final class IteratorBox<Iterator: AsyncIteratorProtocol>: @unchecked Sendable {
    var iterator: Iterator
    init(_ iterator: Iterator) { self.iterator = iterator }
}
