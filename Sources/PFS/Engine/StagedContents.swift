import Foundation
import Synchronization

/// Content ingested into the store but not yet in any commit, by handle. Its chunks stay registered
/// as in flight (garbage collection keeps them) until the content is put or dropped.
final class StagedContents: Sendable {
    private let entries = Mutex<[String: IngestedContent]>([:])

    func add(_ content: IngestedContent) -> String {
        let id = UUID().uuidString
        entries.withLock { $0[id] = content }
        return id
    }

    func get(_ id: String) throws -> IngestedContent {
        guard let c = entries.withLock({ $0[id] }) else { throw PFSError.notFound("staged content \(id) not found") }
        return c
    }

    /// Removes the content; nil when there was none.
    func remove(_ id: String) -> IngestedContent? { entries.withLock { $0.removeValue(forKey: id) } }
}

/// Content staged by ``PFSEngine/stageContent(from:)``.
public struct StagedContent: Hashable, Sendable {
    public var id: String
    public var size: UInt64
    public var md5: [UInt8]
}
