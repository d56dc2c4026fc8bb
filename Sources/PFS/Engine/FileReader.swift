/// The bytes of one file version, or a range of them, streamed chunk by chunk; every chunk is checked
/// against its SHA-256 before any of it is returned.
public struct FileReader: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public typealias Element = [UInt8]

    let chunks: [ChunkRef]
    let loader: ChunkLoader
    var index: Int
    /// Offset into chunk `index` where reading starts.
    var skip: Int
    /// Bytes still to return.
    var remaining: UInt64

    public func makeAsyncIterator() -> FileReader { self }

    /// The load of chunk `index`, started while the caller was busy with the previous one.
    var pending: Task<[UInt8], any Error>?

    public mutating func next() async throws -> [UInt8]? {
        guard remaining > 0, index < chunks.count else {
            pending?.cancel()
            return nil
        }
        let load = pending ?? Task { [loader, ref = chunks[index]] in try await loader.load(ref) }
        pending = nil
        var bytes = try await load.value
        // Read and verify the next chunk while the caller sends this one: the two overlap on two cores.
        let wanted = UInt64(bytes.count - skip)
        if index + 1 < chunks.count, wanted < remaining {
            pending = Task { [loader, ref = chunks[index + 1]] in try await loader.load(ref) }
        }
        index += 1
        if skip > 0 || UInt64(bytes.count - skip) > remaining {
            let end = Swift.min(bytes.count, skip + Int(Swift.min(remaining, UInt64(Int.max / 2))))
            bytes = Array(bytes[skip..<end])
        }
        skip = 0
        remaining -= UInt64(bytes.count)
        return bytes
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
    /// Verified small chunks (those kept in the metadata store), so hot small files cost no store read.
    let small = FIFOCache<Digest, [UInt8]>(capacity: 32 << 20, cost: { $0.count })

    func load(_ ref: ChunkRef) async throws -> [UInt8] {
        if ref.inMeta, let hit = small.get(ref.digest) { return hit }
        let data = ref.inMeta ? try await metadata.chunk(ref.digest) : try await blobs.get(ref.digest)
        guard let data else { throw PFSError.corrupt("chunk \(ref.digest) is missing from the store") }
        guard data.count == Int(ref.size), Digest.of(data) == ref.digest else {
            throw PFSError.corrupt("chunk \(ref.digest) does not match its hash")
        }
        if ref.inMeta { small.put(ref.digest, data) }
        return data
    }
}
