public import PFS

/// A client that can stage content: stream bytes into the store now and decide later whether, and
/// where, to commit them. Only the in-process client offers it: staged content lives in the server
/// process, and a writer across the network could lose it to a restart it never hears of, where a
/// local copy of its bytes would have survived.
public protocol ContentStaging: Sendable {
    /// Streams `body` into the store without committing it.
    func stageContent<S: AsyncSequence>(from body: S) async throws -> StagedContent where S.Element: ByteChunk
    /// Puts staged content at `path` (one commit, or into the open commit `ref` names); it stays staged until dropped.
    func putStaged(_ ref: CommitRef, path: String, staged id: String, options: PutOptions) async throws -> PutResult
    /// The bytes of staged content from `offset`, to the end when `length` is nil.
    func readStaged(_ id: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error>
    /// Lets staged content go.
    func dropStaged(_ id: String) async
}

extension LocalPFSClient: ContentStaging {
    public func stageContent<S: AsyncSequence>(from body: S) async throws -> StagedContent where S.Element: ByteChunk {
        try await engine.stageContent(from: body)
    }
    public func putStaged(_ ref: CommitRef, path: String, staged id: String, options: PutOptions) async throws -> PutResult {
        try await engine.putStaged(ref, path: path, staged: id, options: options)
    }
    public func readStaged(_ id: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        Self.stream(try engine.readStaged(id, offset: offset, length: length))
    }
    public func dropStaged(_ id: String) async { engine.dropStaged(id) }
}
