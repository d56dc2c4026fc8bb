/// The bytes of one file version, or a range of them, streamed chunk by chunk; every chunk is checked
/// against the CRC-32 recorded with it (or its SHA-256) before any of it is returned.
///
/// Chunks come in storage of type `Bytes`, read into it straight from the store.
public struct FileReader<Bytes: FillableByteChunk>: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public typealias Element = Bytes

    let chunks: [ChunkRef]
    let loader: ChunkLoader
    var index: Int
    /// Offset into chunk `index` where reading starts.
    var skip: Int
    /// Bytes still to return.
    var remaining: UInt64

    public func makeAsyncIterator() -> FileReader<Bytes> { self }

    /// Loads of chunks `index`, `index + 1`, … started while the caller was busy with earlier ones.
    var pending: [Task<Bytes, any Error>] = []
    /// Chunks read and verified ahead of the one being returned. A chunk file read cold from the disk
    /// here is latency-bound (one 1 MiB file at a time: ~400 MiB/s); several in flight keep the disk busy.
    /// At most five chunks (1 MiB each on average, 4 MiB at most) are held per reader.
    static var readAhead: Int { 4 }

    public mutating func next() async throws -> Bytes? {
        guard remaining > 0, index < chunks.count else {
            for t in pending { t.cancel() }
            pending = []
            return nil
        }
        if pending.isEmpty { pending.append(load(index)) }
        var bytes: Bytes
        do {
            bytes = try await pending.removeFirst().value
        } catch {
            for t in pending { t.cancel() }
            pending = []
            throw error
        }
        // Keep up to `readAhead` later chunks loading while the caller sends this one, but none past the range.
        var covered = UInt64(bytes.count - skip)
        var next = index + 1
        for _ in pending {
            covered += UInt64(chunks[next].size)
            next += 1
        }
        while pending.count < Self.readAhead, next < chunks.count, covered < remaining {
            pending.append(load(next))
            covered += UInt64(chunks[next].size)
            next += 1
        }
        index += 1
        if skip > 0 || UInt64(bytes.count - skip) > remaining {
            let end = Swift.min(bytes.count, skip + Int(Swift.min(remaining, UInt64(Int.max / 2))))
            bytes = bytes.slice(skip..<end)
        }
        skip = 0
        remaining -= UInt64(bytes.count)
        return bytes
    }

    private func load(_ i: Int) -> Task<Bytes, any Error> {
        Task { [loader, ref = chunks[i]] in try await loader.load(ref, as: Bytes.self) }
    }

    init(chunks: [ChunkRef], loader: ChunkLoader, offset: UInt64, length: UInt64) {
        self.chunks = chunks
        self.loader = loader
        self.remaining = length
        var off = offset
        var i = 0
        while i < chunks.count, off >= UInt64(chunks[i].size) {
            off -= UInt64(chunks[i].size)
            i += 1
        }
        index = i
        skip = Int(off)
    }
}

/// Loads and verifies chunks from wherever they are kept.
struct ChunkLoader: Sendable {
    let metadata: any MetadataStore
    let blobs: any BlobStore
    /// Small chunks not yet in the metadata store (those of staged content), by digest.
    var pending: (@Sendable (Digest) -> [UInt8]?)? = nil
    /// Verified small chunks (those kept in the metadata store), so hot small files cost no store read.
    let small = FIFOCache<Digest, [UInt8]>(capacity: 32 << 20, cost: { $0.count })

    /// The chunk's bytes, checked against the CRC-32 its reference records (SHA-256 for references without
    /// one), or with `fullHash` against its SHA-256 always (and then the CRC-32 too, if recorded).
    func load(_ ref: ChunkRef, fullHash: Bool = false) async throws -> [UInt8] {
        try await load(ref, as: [UInt8].self, fullHash: fullHash)
    }

    /// ``load(_:fullHash:)`` into storage of type `Bytes`: blob chunks are read straight into it; small chunks,
    /// kept as arrays, are copied.
    func load<Bytes: FillableByteChunk>(_ ref: ChunkRef, as: Bytes.Type, fullHash: Bool = false) async throws -> Bytes {
        guard ref.inMeta else {
            guard let data = try await blobs.get(ref.digest, as: Bytes.self) else {
                throw PFSError.corrupt("chunk \(ref.digest) is missing from the store")
            }
            try data.withUnsafeBytes { try verify($0, ref, fullHash: fullHash) }
            return data
        }
        let data: [UInt8]
        if !fullHash, let hit = small.get(ref.digest) {
            data = hit
        } else {
            if let pending, let bytes = pending(ref.digest) {
                data = bytes
            } else if let stored = try await metadata.chunk(ref.digest) {
                data = stored
            } else {
                throw PFSError.corrupt("chunk \(ref.digest) is missing from the store")
            }
            try data.withUnsafeBytes { try verify($0, ref, fullHash: fullHash) }
            small.put(ref.digest, data)
        }
        if let same = data as? Bytes { return same }
        return data.withUnsafeBytes { Bytes(copying: $0) }
    }

    private func verify(_ data: UnsafeRawBufferPointer, _ ref: ChunkRef, fullHash: Bool) throws {
        guard data.count == Int(ref.size) else { throw PFSError.corrupt("chunk \(ref.digest) has \(data.count) bytes, not \(ref.size)") }
        // The CRC catches what a disk or file system corrupts at a seventh of SHA-256's cost per byte read (its
        // share of a GET's CPU was 42%); fsck still checks every chunk against its SHA-256.
        if let crc = ref.crc32, CRC32.of(data) != crc {
            throw PFSError.corrupt("chunk \(ref.digest) does not match its CRC-32")
        }
        if ref.crc32 == nil || fullHash, Digest.of(data) != ref.digest {
            throw PFSError.corrupt("chunk \(ref.digest) does not match its hash")
        }
    }
}
