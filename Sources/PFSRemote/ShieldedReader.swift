import Foundation
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

    /// The next `limit` bytes or more (what the last piece brings past it), or fewer at the end; nil once it has
    /// ended. One task per message, not per piece: a 256 MiB body arrives in thousands of pieces.
    func next(atLeast limit: Int) async throws -> Data? {
        let source = self.source
        return try await Task {
            var buffer = Data()
            buffer.reserveCapacity(limit)
            while buffer.count < limit, let chunk = try await source.next() {
                chunk.withUnsafeBytes { buffer.append(contentsOf: $0) }
            }
            return buffer.isEmpty ? nil : buffer
        }.value
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
