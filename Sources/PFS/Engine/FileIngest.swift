internal import Crypto

/// The stored form of one streamed body: its chunks, size and MD5.
struct IngestedContent: Sendable {
    var chunks: [ChunkRef]
    var size: UInt64
    var md5: [UInt8]
    /// Small content kept in the metadata store, committed with the tree that references it.
    var smallChunks: [Digest: [UInt8]]
    /// Blob chunks registered as in flight until the write commits or fails.
    var inflight: [Digest]
}

/// Streams a body into chunks in constant memory: content-defined cuts, SHA-256 per chunk, MD5 of the whole.
struct FileIngest {
    /// Bodies up to this size are one chunk stored in the metadata store (one transaction, one sync per PUT).
    static let smallLimit = 64 * 1024

    let blobs: any BlobStore
    let inflight: InflightChunks

    func ingest<S: AsyncSequence>(_ body: S) async throws -> IngestedContent where S.Element: ByteChunk {
        var md5 = Insecure.MD5()
        var chunker = Chunker()
        var current = [UInt8]()
        current.reserveCapacity(FileIngest.smallLimit)
        var refs = [ChunkRef]()
        var stored = StoredChunks()
        var size: UInt64 = 0
        do {
            return try await withThrowingTaskGroup(of: Void.self) { writes in
                // Blob writes run beside the cutting and hashing, at most `window` at a time.
                let window = 2
                var writing = 0
                func store(_ chunk: [UInt8]) async throws -> ChunkRef {
                    let d = Digest.of(chunk)
                    let ref = ChunkRef(digest: d, size: UInt32(chunk.count), inMeta: false)
                    // A chunk repeated within this body is written once.
                    guard stored.seen.insert(d).inserted else { return ref }
                    inflight.add(CollectionOfOne(d))
                    stored.order.append(d)
                    if writing >= window {
                        try await writes.next()
                        writing -= 1
                    }
                    let blobs = self.blobs
                    writes.addTask { if !(try await blobs.touch(d)) { try await blobs.put(d, chunk) } }
                    writing += 1
                    return ref
                }
                // Cuts a piece into chunks and stores those it completes.
                func consume(_ piece: S.Element) async throws {
                    var completed: [[UInt8]] = []
                    piece.withUnsafeBytes { buf in
                        size += UInt64(buf.count)
                        var off = 0
                        while off < buf.count {
                            let rest = UnsafeRawBufferPointer(rebasing: buf[off...])
                            if let cut = chunker.cut(rest) {
                                current.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<cut]))
                                completed.append(current)
                                current = []
                                current.reserveCapacity(Chunker.averageSize)
                                off += cut
                            } else {
                                current.append(contentsOf: rest)
                                off = buf.count
                            }
                        }
                    }
                    for c in completed { refs.append(try await store(c)) }
                }
                for try await piece in body {
                    if piece.withUnsafeBytes({ $0.count }) >= 128 * 1024 {
                        // The MD5 of a large piece runs on another core while this one cuts and hashes.
                        let state = MD5State(md5)
                        async let next: MD5State = {
                            var s = state
                            piece.withUnsafeBytes { s.hash.update(bufferPointer: $0) }
                            return s
                        }()
                        try await consume(piece)
                        md5 = await next.hash
                    } else {
                        piece.withUnsafeBytes { md5.update(bufferPointer: $0) }
                        try await consume(piece)
                    }
                }
                var small: [Digest: [UInt8]] = [:]
                if refs.isEmpty && current.count <= FileIngest.smallLimit {
                    if !current.isEmpty {
                        let d = Digest.of(current)
                        small[d] = current
                        refs.append(ChunkRef(digest: d, size: UInt32(current.count), inMeta: true))
                    }
                } else if !current.isEmpty {
                    refs.append(try await store(current))
                }
                try await writes.waitForAll()
                try await blobs.makeDurable(stored.order)
                return IngestedContent(chunks: refs, size: size, md5: Array(md5.finalize()), smallChunks: small, inflight: stored.order)
            }
        } catch {
            await blobs.discard(stored.order)
            inflight.remove(stored.order)
            throw error
        }
    }

    /// Hands a running MD5 to the task that continues it; only one task holds it at a time.
    private struct MD5State: @unchecked Sendable {
        var hash: Insecure.MD5
        init(_ hash: Insecure.MD5) { self.hash = hash }
    }

    /// The distinct blob chunks of one body, in first-seen order.
    private struct StoredChunks {
        var order: [Digest] = []
        var seen: Set<Digest> = []
    }

}

extension FileEntry {
    /// A new entry for ingested content; the commit writer stamps its commit and time when it applies it.
    init(_ content: IngestedContent, contentType: String?, metadata: [String: String]) {
        self.init(
            size: content.size, md5: content.md5, etag: Hex.encode(content.md5), contentType: contentType ?? "application/octet-stream",
            metadata: metadata, commit: .unassigned, modifiedMillis: 0, content: .chunks(content.chunks))
    }
}

extension CommitID {
    /// Stands for the commit a pending write will get.
    static let unassigned = CommitID("00000000000000000000000000000000")!
}
