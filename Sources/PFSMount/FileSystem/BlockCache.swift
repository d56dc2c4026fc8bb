import Foundation

/// Recently read blocks of stored files, shared by every open file, least recently used first out.
/// Random reads fetch whole aligned blocks: a stored chunk is loaded and verified once per block, not
/// once per 4 KiB read.
final class BlockCache: @unchecked Sendable {
    struct Key: Hashable {
        /// The file version (commit, ETag and size: content that never changes).
        var identity: String
        var index: UInt64
    }

    static let blockSize: UInt64 = 1 << 20

    private let lock = NSLock()
    private let capacity: Int
    private var blocks: [Key: (bytes: [UInt8], tick: UInt64)] = [:]
    private var loading: [Key: Task<[UInt8], any Error>] = [:]
    private var size = 0
    private var tick: UInt64 = 0

    init(capacityBytes: Int) { capacity = capacityBytes }

    /// The block, from the cache or from `load` (one load per block at a time).
    func block(_ key: Key, load: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        let task: Task<[UInt8], any Error> = lock.withLock {
            tick += 1
            if let hit = blocks[key] {
                blocks[key] = (hit.bytes, tick)
                return Task { hit.bytes }
            }
            if let t = loading[key] { return t }
            let t = Task { try await load() }
            loading[key] = t
            return t
        }
        do {
            let bytes = try await task.value
            store(key, bytes)
            return bytes
        } catch {
            lock.withLock { loading[key] = nil }
            throw error
        }
    }

    private func store(_ key: Key, _ bytes: [UInt8]) {
        guard capacity > 0 else {
            lock.withLock { loading[key] = nil }
            return
        }
        lock.withLock {
            loading[key] = nil
            guard blocks[key] == nil else { return }
            blocks[key] = (bytes, tick)
            size += bytes.count
            if size > capacity {
                // Evict the oldest eighth at once: eviction stays rare and cheap per block.
                let victims = blocks.sorted { $0.value.tick < $1.value.tick }.prefix(max(1, blocks.count / 8))
                for (k, v) in victims {
                    blocks[k] = nil
                    size -= v.bytes.count
                }
            }
        }
    }
}
