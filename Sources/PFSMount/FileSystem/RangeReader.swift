import PFS
import PFSClient

/// Reads one stored file version for one open file: sequential reads come from a stream that runs ahead
/// of the reader (up to `window` bytes), other reads fetch just their range. The first byte never waits
/// for more than the first piece of the stream.
actor RangeReader {
    private let client: any PFSClient
    private let ref: CommitRef
    private let path: String
    private let size: UInt64
    private let window: UInt64
    private let identity: String?
    private let cache: BlockCache

    /// Pieces read ahead, in order: `pieces[0]` starts at `base`.
    private var pieces: [[UInt8]] = []
    private var base: UInt64 = 0
    private var end: UInt64 = 0
    private var streaming = false
    private var finished = false
    private var failure: (any Error)?
    private var producer: Task<Void, Never>?
    private var generation = 0
    /// The furthest byte a reader asked for from the stream.
    private var consumed: UInt64 = 0
    private var lastEnd: UInt64 = 0
    private var dataWaiters: [CheckedContinuation<Void, Never>] = []
    private var spaceWaiter: CheckedContinuation<Void, Never>?

    init(client: any PFSClient, ref: CommitRef, path: String, size: UInt64, identity: String?, cache: BlockCache, window: UInt64 = 16 << 20) {
        self.client = client
        self.identity = identity
        self.cache = cache
        self.ref = ref
        self.path = path
        self.size = size
        self.window = window
    }

    /// Up to `count` bytes from `offset` (fewer only at the end of the file), in order, as views of the pieces
    /// read (the reply gathers them: no copy into one buffer).
    func read(offset: UInt64, count: Int) async throws -> [ArraySlice<UInt8>] {
        guard offset < size, count > 0 else { return [] }
        let want = min(size, offset + UInt64(count))
        defer { lastEnd = want }
        if streaming, offset >= base, offset <= end + window {
            return try await fromStream(offset, want)
        }
        if offset == 0 || offset == lastEnd {
            start(at: offset)
            return try await fromStream(offset, want)
        }
        return try await fetch(offset, want)
    }

    private func fetch(_ from: UInt64, _ to: UInt64) async throws -> [ArraySlice<UInt8>] {
        guard let identity else { return try await fetchDirect(from, to) }
        let bs = BlockCache.blockSize
        var out: [ArraySlice<UInt8>] = []
        var index = from / bs
        while index * bs < to {
            let start = index * bs
            let len = min(bs, size - start)
            let (client, ref, path) = (self.client, self.ref, self.path)
            let block = try await cache.block(.init(identity: identity, index: index)) {
                var b: [UInt8] = []
                b.reserveCapacity(Int(len))
                for try await piece in try await client.getFile(ref, path: path, offset: start, length: len) { b += piece }
                return b
            }
            let lo = Int(max(from, start) - start)
            let hi = Int(min(to, start + len) - start)
            guard hi <= block.count else { throw PFSError.io("the file '\(path)' ended before its recorded size") }
            out.append(block[lo..<hi])
            index += 1
        }
        return out
    }

    private func fetchDirect(_ from: UInt64, _ to: UInt64) async throws -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        for try await piece in try await client.getFile(ref, path: path, offset: from, length: to - from) { out.append(piece[...]) }
        return out
    }

    private func start(at offset: UInt64) {
        producer?.cancel()
        generation += 1
        let gen = generation
        pieces = []
        base = offset
        end = offset
        consumed = offset
        streaming = true
        finished = false
        failure = nil
        wakeAll()
        let (client, ref, path) = (self.client, self.ref, self.path)
        producer = Task { [weak self] in
            do {
                let stream = try await client.getFile(ref, path: path, offset: offset, length: nil)
                for try await piece in stream {
                    guard let self, await self.append(piece, gen) else { return }
                }
                await self?.finish(gen, nil)
            } catch {
                await self?.finish(gen, error)
            }
        }
    }

    /// Adds a piece; waits while the stream is a whole window ahead of the reader. False once superseded.
    private func append(_ piece: [UInt8], _ gen: Int) async -> Bool {
        guard gen == generation, !Task.isCancelled else { return false }
        pieces.append(piece)
        end += UInt64(piece.count)
        wakeAll()
        while gen == generation, end > consumed + window, !Task.isCancelled {
            await withCheckedContinuation { spaceWaiter = $0 }
        }
        return gen == generation
    }

    private func finish(_ gen: Int, _ error: (any Error)?) {
        guard gen == generation else { return }
        finished = true
        failure = error
        wakeAll()
    }

    private func wakeAll() {
        let ws = dataWaiters
        dataWaiters = []
        for w in ws { w.resume() }
        if let s = spaceWaiter {
            spaceWaiter = nil
            s.resume()
        }
    }

    private func fromStream(_ from: UInt64, _ to: UInt64) async throws -> [ArraySlice<UInt8>] {
        let gen = generation
        if from > consumed {
            consumed = from
            wakeAll()
        }
        while end < to, !finished, gen == generation {
            await withCheckedContinuation { dataWaiters.append($0) }
        }
        if gen != generation || from < base { return try await fetch(from, to) }
        if end < to {
            if let failure { throw failure }
            throw PFSError.io("the file '\(path)' ended before its recorded size")
        }
        var out: [ArraySlice<UInt8>] = []
        var pos = base
        for p in pieces {
            let pEnd = pos + UInt64(p.count)
            if pEnd > from, pos < to {
                let lo = Int(max(from, pos) - pos)
                let hi = Int(min(to, pEnd) - pos)
                out.append(p[lo..<hi])
            }
            if pEnd >= to { break }
            pos = pEnd
        }
        if to > consumed {
            consumed = to
            // Keep a little behind the reader: the kernel sends read-ahead requests out of order.
            let keepFrom = consumed > 4 << 20 ? consumed - (4 << 20) : 0
            while let first = pieces.first, base + UInt64(first.count) <= keepFrom {
                base += UInt64(first.count)
                pieces.removeFirst()
            }
            wakeAll()
        }
        return out
    }

    func close() {
        producer?.cancel()
        generation += 1
        pieces = []
        wakeAll()
    }
}
