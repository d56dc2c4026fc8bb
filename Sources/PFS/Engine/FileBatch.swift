import Foundation

/// File changes gathered to be applied together by ``PFSEngine/modifyFiles(_:_:)``, in the order
/// they are made: bodies are streamed to the blob store as they arrive, the tree changes wait
/// for the end. A copy reads its source as it was before the batch.
public final class FileBatch {
    let engine: PFSEngine
    var ops: [WriteOp] = []
    var smallChunks: [Digest: [UInt8]] = [:]
    var smallBytes = 0
    var inflight: [Digest] = []
    var createsFiles = false

    /// Past this many bytes of small files held for the commit's transaction, further small
    /// files go to the blob store: a batch of many small files stays in bounded memory.
    static let smallBytesLimit = 16 << 20

    init(engine: PFSEngine) { self.engine = engine }

    /// Streams `body` into the file at `path`, replacing it, or with `append` appending to it
    /// (to what the batch put there before, if anything).
    public func putFile<S: AsyncSequence>(path: String, from body: S, append: Bool) async throws where S.Element: ByteChunk {
        let key = try Paths.key(path)
        var content = try await FileIngest(blobs: engine.blobs, inflight: engine.inflight).ingest(body)
        inflight += content.inflight
        if !content.smallChunks.isEmpty {
            if smallBytes >= Self.smallBytesLimit {
                try await spill(&content)
            } else {
                for (d, b) in content.smallChunks where smallChunks.updateValue(b, forKey: d) == nil { smallBytes += b.count }
            }
        }
        createsFiles = true
        if append {
            ops.append(.append(key, content: content, contentType: nil, metadata: nil, precondition: nil))
        } else {
            ops.append(.put(key, FileEntry(content, contentType: nil, metadata: [:]), precondition: nil))
        }
    }

    /// Deletes the files at `paths` and every file under each of `prefixes`; missing ones are ignored.
    public func deleteFiles(paths: [String], prefixes: [String]) throws {
        ops += try engine.deleteOps(paths: paths, prefixes: prefixes)
    }

    /// Copies a file, or with a directory path every file under it, by reference.
    public func copyFile(from src: CommitRef, path srcPath: String, to dstPath: String) async throws {
        ops += try await engine.copyOps(from: src, path: srcPath, to: dstPath, replacing: nil)
        createsFiles = true
    }

    /// Moves the small content of `content` to the blob store.
    private func spill(_ content: inout IngestedContent) async throws {
        let blobs = engine.blobs
        var staged: [Digest] = []
        for (d, b) in content.smallChunks {
            engine.inflight.add(CollectionOfOne(d))
            inflight.append(d)
            if !(try await blobs.touch(d)), try await blobs.put(d, b) { staged.append(d) }
        }
        try await blobs.makeDurable(staged)
        content.chunks = content.chunks.map { ChunkRef(digest: $0.digest, size: $0.size, inMeta: false, crc32: $0.crc32) }
        content.smallChunks = [:]
    }
}

extension PFSEngine {
    /// Applies the changes `body` makes to a batch as one write: on a branch whose HEAD is
    /// finished, one new commit holding all of them; into an open commit, one transaction. When
    /// `body` throws, nothing is applied. Returns the commit, or nil when `body` changed nothing.
    @discardableResult
    public func modifyFiles(_ ref: CommitRef, _ body: (FileBatch) async throws -> Void) async throws -> CommitID? {
        let target = try writeTarget(ref)
        let batch = FileBatch(engine: self)
        defer { inflight.remove(batch.inflight) }
        try await body(batch)
        guard !batch.ops.isEmpty else { return nil }
        return try await writer.submit(
            WriteRequest(repo: ref.repo, target: target, ops: batch.ops, smallChunks: batch.smallChunks, createBranch: batch.createsFiles))
    }
}
