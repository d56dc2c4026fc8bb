/// The strings that repeat across the entries of one node while it is decoded — the IDs of the few
/// commits that wrote its files, their content types — made once and shared: a leaf of 64 files
/// from one commit allocated and validated the same commit ID 64 times, and the engine's latency at
/// a million files was bounded by the allocator as much as by I/O.
struct NodeStrings {
    private var strings: [String] = []
    private var commits: [CommitID] = []
    /// Past this many distinct values a node is not repetitive; new ones are no longer remembered.
    private static let limit = 8

    mutating func string(_ r: inout BinaryReader) throws -> String {
        try r.field { bytes in
            if let s = strings.first(where: { $0.utf8.elementsEqual(bytes) }) { return s }
            let s = String(decoding: bytes, as: UTF8.self)
            if strings.count < Self.limit { strings.append(s) }
            return s
        }
    }

    mutating func commit(_ r: inout BinaryReader) throws -> CommitID? {
        try r.field { bytes in
            if let c = commits.first(where: { $0.rawValue.utf8.elementsEqual(bytes) }) { return c }
            guard let c = CommitID(utf8: bytes) else { return nil }
            if commits.count < Self.limit { commits.append(c) }
            return c
        }
    }
}
