import PFS

/// Reads a sequence on tasks of its own, out of reach of the caller's cancellation. A call that fails (the server went
/// away) cancels the task that sends its body; when that body is an HTTP request's (the S3 gateway's), cancelling a
/// read of it ends the connection's whole inbound stream in SwiftNIO, so the gateway could neither drain the rest nor
/// read another request, and the client hung sending a body no one read. A read now finishes, and the failed write
/// after it ends the call.
final class ShieldedReader: Sendable {
    private let source: any ChunkSource

    init<S: AsyncSequence>(_ sequence: S) where S.Element: ByteChunk {
        source = IteratorBox(sequence.makeAsyncIterator())
    }

    func next() async throws -> (any ByteChunk)? {
        let source = self.source
        return try await Task { try await source.next() }.value
    }
}

private protocol ChunkSource: Sendable {
    func next() async throws -> (any ByteChunk)?
}

/// An iterator that one task at a time advances.
private final class IteratorBox<I: AsyncIteratorProtocol>: ChunkSource, @unchecked Sendable where I.Element: ByteChunk {
    private var iterator: I

    init(_ iterator: I) { self.iterator = iterator }

    func next() async throws -> (any ByteChunk)? { try await iterator.next() }
}
