public import Foundation

/// The blob store: immutable, content-addressed file chunks.
///
/// A blob never changes once written, so readers may cache it forever. Implementations must make
/// ``put(_:_:)`` durable once ``makeDurable(_:)`` returns for it, so metadata that references it can commit.
public protocol BlobStore: Sendable {
    /// Stores `data` under `digest` unless it is already there. The blob is visible and durable only once
    /// ``makeDurable(_:)`` returns for it. Returns whether this call staged the blob: only then does the caller
    /// owe one ``makeDurable(_:)`` or ``discard(_:)`` of it, which affects no other writer's copy.
    @discardableResult
    func put<Bytes: BlobBytes>(_ digest: Digest, _ data: Bytes) async throws -> Bool
    /// Whether the blob exists; an existing blob is marked as recently used so a running GC keeps it.
    func touch(_ digest: Digest) async throws -> Bool
    /// The blob's bytes, read into storage of the caller's type, or nil if it does not exist.
    func get<Bytes: FillableByteChunk>(_ digest: Digest, as: Bytes.Type) async throws -> Bytes?
    /// Makes the given blobs, staged by the caller's ``put(_:_:)`` calls (a digest once per staging call), durable
    /// and visible. Throws if one is neither staged nor stored.
    func makeDurable(_ digests: [Digest]) async throws
    /// Drops blobs the caller staged that will not be made durable (an interrupted write), a digest once per
    /// staging call: what other writers staged of the same bytes stays theirs.
    func discard(_ digests: [Digest]) async
    /// Every blob with its size and the time it was last written or touched.
    func list() async throws -> [(digest: Digest, modified: Date, size: UInt64)]
    /// Deletes the blob unless it was written or touched after `cutoff`; returns whether it was deleted.
    func delete(_ digest: Digest, unlessUsedAfter cutoff: Date) async throws -> Bool
    /// Removes leftovers of interrupted writes older than `cutoff`; returns how many.
    func removeStaleTemporaries(olderThan cutoff: Date) async throws -> Int
    /// The room the store has for new blobs; nil when it cannot tell (an object store without quotas).
    func space() async throws -> StorageSpace?
}

extension BlobStore {
    /// The blob's bytes, or nil if it does not exist.
    public func get(_ digest: Digest) async throws -> [UInt8]? {
        try await get(digest, as: [UInt8].self)
    }
}
