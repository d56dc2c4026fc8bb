import Foundation
import PFSTestSupport
import Testing

@testable import PFS

// MARK: temporary data directories

/// A fresh, empty directory under the system temporary directory.
func makeTempDirectory(_ label: String = "pfs") throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-tests-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func removeTempDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Runs `body` with an engine on a fresh temporary data directory, which is removed afterwards.
func withEngine<T>(_ label: String = "pfs", _ body: (PFSEngine, String) async throws -> T) async throws -> T {
    let dir = try makeTempDirectory(label)
    defer { removeTempDirectory(dir) }
    let engine = try PFSEngine(dataDirectory: dir)
    return try await body(engine, dir)
}

// MARK: bytes

/// Every byte a reader streams.
func collect<Bytes>(_ reader: FileReader<Bytes>) async throws -> [UInt8] {
    var out: [UInt8] = []
    for try await piece in reader { piece.withUnsafeBytes { out.append(contentsOf: $0) } }
    return out
}

/// The whole content of the file at `path` in `ref`.
func readAll(_ engine: PFSEngine, _ ref: CommitRef, _ path: String, offset: UInt64 = 0, length: UInt64? = nil) async throws -> [UInt8] {
    try await collect(try await engine.getFile(ref, path: path, offset: offset, length: length))
}

/// `bytes` as an async body cut into pieces of `pieceSize` bytes.
func body(_ bytes: [UInt8], pieceSize: Int = 64 * 1024) -> AsyncArraySequence<[UInt8]> {
    var pieces: [[UInt8]] = []
    var i = 0
    while i < bytes.count {
        let end = min(bytes.count, i + pieceSize)
        pieces.append(Array(bytes[i..<end]))
        i = end
    }
    return pieces.async
}

@discardableResult
func put(_ engine: PFSEngine, _ ref: CommitRef, _ path: String, _ bytes: [UInt8], append: Bool = false) async throws -> PutResult {
    try await engine.putFile(ref, path: path, from: body(bytes), append: append)
}

/// Whether `a` sorts before `b` in UTF-8 byte order (the order S3 lists keys in).
func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

func utf8Sorted<S: Sequence<String>>(_ s: S) -> [String] { s.sorted(by: utf8Less) }

func hasBytePrefix(_ s: String, _ prefix: String) -> Bool { s.utf8.starts(with: prefix.utf8) }

// MARK: chunking

/// The chunk end offsets the chunker finds in `data` fed in pieces of the given sizes (cycled);
/// the last offset is `data.count` (the final, possibly short, chunk).
func chunkCutPoints(_ data: [UInt8], pieces: [Int]) -> [Int] {
    var chunker = Chunker()
    var cuts: [Int] = []
    data.withUnsafeBytes { buf in
        var off = 0
        var p = 0
        while off < buf.count {
            let n = min(pieces[p % pieces.count], buf.count - off)
            p += 1
            let piece = UnsafeRawBufferPointer(rebasing: buf[off..<(off + n)])
            var inner = 0
            while inner < n {
                if let c = chunker.cut(UnsafeRawBufferPointer(rebasing: piece[inner...])) {
                    inner += c
                    cuts.append(off + inner)
                } else {
                    inner = n
                }
            }
            off += n
        }
    }
    if cuts.last != data.count, !data.isEmpty { cuts.append(data.count) }
    return cuts
}

// MARK: randomness

func randomBytes(_ count: Int, using rng: inout some RandomNumberGenerator) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        var w = rng.next()
        for _ in 0..<8 where i < count {
            out[i] = UInt8(truncatingIfNeeded: w)
            w >>= 8
            i += 1
        }
    }
    return out
}

func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    return randomBytes(count, using: &rng)
}

// MARK: errors

enum PFSErrorKind: String, Sendable {
    case invalidArgument, notFound, alreadyExists, failedPrecondition, corrupt, io, storageFull, unavailable, preconditionFailed, badDigest
}

func kind(of error: PFSError) -> PFSErrorKind {
    switch error {
    case .invalidArgument: return .invalidArgument
    case .notFound: return .notFound
    case .alreadyExists: return .alreadyExists
    case .failedPrecondition: return .failedPrecondition
    case .corrupt: return .corrupt
    case .io: return .io
    case .storageFull: return .storageFull
    case .unavailable: return .unavailable
    case .preconditionFailed: return .preconditionFailed
    case .badDigest: return .badDigest
    }
}

/// Records an issue unless `body` throws a ``PFSError`` of the given kind.
func expectPFSError<T>(
    _ expected: PFSErrorKind, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("\(what): expected PFSError.\(expected.rawValue), but the call succeeded", sourceLocation: sourceLocation)
    } catch let e as PFSError {
        if kind(of: e) != expected {
            Issue.record("\(what): expected PFSError.\(expected.rawValue), got \(kind(of: e).rawValue): \(e)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("\(what): expected PFSError.\(expected.rawValue), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}

/// A file entry for tree tests, whose identity is its `size` and `etag`.
func testEntry(_ tag: Int, size: UInt64 = 1) -> FileEntry {
    FileEntry(
        size: size, md5: nil, etag: "e\(tag)", contentType: "application/octet-stream", metadata: [:],
        commit: CommitID("00000000000000000000000000000000")!, modifiedMillis: Int64(tag), content: .chunks([]))
}
