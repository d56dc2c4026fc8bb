internal import Crypto
import Synchronization

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

/// Streams a body into chunks in constant memory: content-defined cuts, SHA-256 and CRC-32 per chunk, MD5 of the whole.
///
/// Three lanes overlap on as many cores as there are: the caller's task cuts the stream into chunks,
/// one chained task per chunk continues the MD5 in order, and up to ``window`` tasks hash and write
/// chunks. A large body costs the slowest lane (MD5, ~730 MiB/s a core here) instead of their sum.
struct FileIngest {
    /// Bodies up to this size are one chunk stored in the metadata store (one transaction, one sync per PUT).
    static let smallLimit = 64 * 1024
    /// Chunks hashed and written at once, and chunks queued for the MD5 lane: at most twice this many
    /// chunks (1 MiB on average, 4 MiB at most) are held per body.
    static let window = 3

    let blobs: any BlobStore
    let inflight: InflightChunks

    func ingest<S: AsyncSequence>(_ body: S) async throws -> IngestedContent where S.Element: ByteChunk {
        var chunker = Chunker()
        var building = ChunkBuilder()
        var size: UInt64 = 0
        var md5 = MD5Lane()
        let registered = RegisteredChunks()
        // What this body's puts staged: its own to make durable or discard, whoever else writes the same chunks.
        let staged = RegisteredChunks()
        let written = FirstOccurrences()
        do {
            return try await withThrowingTaskGroup(of: (Int, ChunkRef).self) { writes in
                var refs = [ChunkRef]()
                var writing = 0
                func collect() async throws {
                    let (i, ref) = try await writes.next()!
                    refs[i] = ref
                    writing -= 1
                }
                func submit(_ chunk: ChunkSegments) async throws {
                    await md5.feed(chunk)
                    if writing >= FileIngest.window { try await collect() }
                    let index = refs.count
                    refs.append(ChunkRef(digest: Digest(w0: 0, w1: 0, w2: 0, w3: 0), size: 0, inMeta: false, crc32: nil))
                    let (blobs, inflight) = (self.blobs, self.inflight)
                    writes.addTask {
                        var sha = SHA256()
                        var crc = CRC32()
                        chunk.forEachPiece { piece in
                            sha.update(bufferPointer: piece)
                            crc.update(piece)
                        }
                        let d = Digest(sha.finalize())
                        // In flight before the existence check, so a collection running now keeps what it finds.
                        inflight.add(CollectionOfOne(d))
                        registered.append(d)
                        // A chunk the body repeats (zeros of a sparse file, padding) is written once: its first
                        // occurrence's put is made durable or discarded with the body's other chunks.
                        if written.claim(d), !(try await blobs.touch(d)), try await blobs.put(d, chunk) { staged.append(d) }
                        return (index, ChunkRef(digest: d, size: UInt32(chunk.count), inMeta: false, crc32: crc.value))
                    }
                    writing += 1
                }
                for try await piece in body {
                    var completed: [ChunkSegments] = []
                    piece.withUnsafeBytes { buf in
                        size += UInt64(buf.count)
                        var off = 0
                        while off < buf.count {
                            let rest = UnsafeRawBufferPointer(rebasing: buf[off...])
                            if let cut = chunker.cut(rest) {
                                building.append(UnsafeRawBufferPointer(rebasing: rest[..<cut]))
                                completed.append(building.take())
                                off += cut
                            } else {
                                building.append(rest)
                                off = buf.count
                            }
                        }
                    }
                    for c in completed { try await submit(c) }
                }
                var small: [Digest: [UInt8]] = [:]
                let digestMD5: [UInt8]
                if refs.isEmpty, let head = building.small {
                    if !head.isEmpty {
                        let d = Digest.of(head)
                        small[d] = head
                        refs.append(ChunkRef(digest: d, size: UInt32(head.count), inMeta: true, crc32: CRC32.of(head)))
                    }
                    digestMD5 = Array(Insecure.MD5.hash(data: head))
                } else {
                    if !building.isEmpty { try await submit(building.take()) }
                    while writing > 0 { try await collect() }
                    digestMD5 = await md5.finish()
                }
                try await blobs.makeDurable(staged.all)
                return IngestedContent(chunks: refs, size: size, md5: digestMD5, smallChunks: small, inflight: registered.all)
            }
        } catch {
            await blobs.discard(staged.all)
            inflight.remove(registered.all)
            throw error
        }
    }
}

/// The chunk being cut from a body: its first bytes in an array while the body may still be small enough for
/// the metadata store, after that in aligned segments the blob store writes without copying.
private struct ChunkBuilder {
    private var head: [UInt8] = []
    private var current = ChunkSegments()
    /// A chunk was cut or the head outgrew ``FileIngest/smallLimit``: every chunk from now on is a blob.
    private var blobs = false

    /// The whole body, while it is small and uncut.
    var small: [UInt8]? { blobs ? nil : head }

    var isEmpty: Bool { current.count == 0 && head.isEmpty }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if !blobs, head.count + bytes.count <= FileIngest.smallLimit { return head.append(contentsOf: bytes) }
        becomeBlobs()
        current.append(bytes)
    }

    /// The chunk built so far; the next one starts empty.
    mutating func take() -> ChunkSegments {
        becomeBlobs()
        defer { current = ChunkSegments() }
        return current
    }

    private mutating func becomeBlobs() {
        guard !blobs else { return }
        blobs = true
        head.withUnsafeBytes { current.append($0) }
        head = []
    }
}

/// The MD5 of a body, continued chunk by chunk on a chain of tasks so it runs beside the cutting and
/// the chunk hashing; at most ``FileIngest/window`` chunks wait for it.
private struct MD5Lane {
    /// Hands the running MD5 from one task of the chain to the next; only one task holds it at a time.
    struct State: @unchecked Sendable {
        var hash = Insecure.MD5()
    }

    private var queued: [Task<State, Never>] = []
    private var last: Task<State, Never>?

    mutating func feed(_ chunk: some BlobBytes) async {
        let previous = last
        let next = Task {
            var s = await previous?.value ?? State()
            chunk.forEachPiece { s.hash.update(bufferPointer: $0) }
            return s
        }
        last = next
        queued.append(next)
        if queued.count > FileIngest.window { _ = await queued.removeFirst().value }
    }

    mutating func finish() async -> [UInt8] {
        let s = await last?.value ?? State()
        queued.removeAll()
        return Array(s.hash.finalize())
    }
}

/// Chunks a body registered or staged, in order, including duplicates: each is released once.
private final class RegisteredChunks: Sendable {
    private let digests = Mutex<[Digest]>([])

    func append(_ d: Digest) { digests.withLock { $0.append(d) } }

    var all: [Digest] { digests.withLock { $0 } }
}

/// The digests a body has met so far: each is stored by the first chunk that claims it.
private final class FirstOccurrences: Sendable {
    private let seen = Mutex<Set<Digest>>([])

    func claim(_ d: Digest) -> Bool { seen.withLock { $0.insert(d).inserted } }
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
