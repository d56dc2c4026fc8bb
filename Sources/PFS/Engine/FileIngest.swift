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
            for try await piece in body {
                // MD5 of this piece runs on another core while this one cuts, hashes and writes chunks.
                async let nextMD5: Insecure.MD5 = { [md5] in
                    var m = md5
                    piece.withUnsafeBytes { m.update(bufferPointer: $0) }
                    return m
                }()
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
                for c in completed { refs.append(try await store(c, &stored)) }
                md5 = await nextMD5
            }
            var small: [Digest: [UInt8]] = [:]
            if refs.isEmpty && current.count <= FileIngest.smallLimit {
                if !current.isEmpty {
                    let d = Digest.of(current)
                    small[d] = current
                    refs.append(ChunkRef(digest: d, size: UInt32(current.count), inMeta: true))
                }
            } else if !current.isEmpty {
                refs.append(try await store(current, &stored))
            }
            try await blobs.makeDurable(stored.order)
            return IngestedContent(chunks: refs, size: size, md5: Array(md5.finalize()), smallChunks: small, inflight: stored.order)
        } catch {
            await blobs.discard(stored.order)
            inflight.remove(stored.order)
            throw error
        }
    }

    /// The distinct blob chunks of one body, in first-seen order.
    private struct StoredChunks {
        var order: [Digest] = []
        var seen: Set<Digest> = []
    }

    private func store(_ chunk: [UInt8], _ stored: inout StoredChunks) async throws -> ChunkRef {
        let d = Digest.of(chunk)
        let ref = ChunkRef(digest: d, size: UInt32(chunk.count), inMeta: false)
        // A chunk repeated within this body is written once.
        guard stored.seen.insert(d).inserted else { return ref }
        inflight.add(CollectionOfOne(d))
        stored.order.append(d)
        if !(try await blobs.touch(d)) { try await blobs.put(d, chunk) }
        return ref
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
