import Foundation

/// What a put stored.
public struct PutResult: Sendable, Hashable {
    /// The commit in which the change is visible.
    public var commit: CommitID
    public var size: UInt64
    /// The ETag without quotes.
    public var etag: String
    /// The checksum recorded with the file (a completed multipart upload's is made from its parts').
    public var checksum: ContentChecksum?

    public init(commit: CommitID, size: UInt64, etag: String, checksum: ContentChecksum? = nil) {
        self.commit = commit
        self.size = size
        self.etag = etag
        self.checksum = checksum
    }
}

extension PFSEngine {
    func writeTarget(_ ref: CommitRef) throws -> WriteTarget {
        guard ref.offset == .none else { throw PFSError.invalidArgument("cannot write to \(ref): it names an ancestor, and commits are immutable") }
        switch ref.base {
        case .branch(let b): return .branch(b)
        case .commit(let id), .branchCommit(_, let id): return .commit(id)
        }
    }

    /// Streams `body` into the file at `path`: into the open commit named by `ref`, or a new commit on
    /// its branch. Nothing is committed unless the whole body arrives and the options' checks pass.
    public func putFile<S: AsyncSequence>(
        _ ref: CommitRef, path: String, from body: S, options: PutOptions
    ) async throws -> PutResult where S.Element: ByteChunk {
        let key = try Paths.key(path)
        let target = try writeTarget(ref)
        let content = try await FileIngest(blobs: blobs, inflight: inflight).ingest(body)
        defer { inflight.remove(content.inflight) }
        return try await commit(content, ref, key: key, target: target, options: options)
    }

    /// Writes ingested content to `key` as the options say (checks, put or append) and returns what was stored.
    func commit(_ content: IngestedContent, _ ref: CommitRef, key: Key, target: WriteTarget, options: PutOptions) async throws -> PutResult {
        if let expected = options.expectedMD5, expected != content.md5 {
            throw PFSError.badDigest("the body's MD5 \(Hex.encode(content.md5)) is not the expected \(Hex.encode(expected))")
        }
        let op: WriteOp
        if options.append {
            op = .append(
                key, content: content, contentType: options.contentType, metadata: options.metadata.isEmpty ? nil : options.metadata,
                precondition: options.precondition)
        } else {
            var entry = FileEntry(content, contentType: options.contentType, metadata: options.metadata)
            entry.checksum = options.checksum?.value
            op = .put(key, entry, precondition: options.precondition)
        }
        let commit = try await writer.submit(WriteRequest(repo: ref.repo, target: target, ops: [op], smallChunks: content.smallChunks))
        if options.append, let e = try? await lookup(.commit(ref.repo, commit), key) { return PutResult(commit: commit, size: e.size, etag: e.etag) }
        return PutResult(commit: commit, size: content.size, etag: Hex.encode(content.md5))
    }

    /// Streams `body` into the file at `path` (see ``putFile(_:path:from:options:)``).
    public func putFile<S: AsyncSequence>(
        _ ref: CommitRef, path: String, from body: S, contentType: String? = nil, metadata: [String: String] = [:], append: Bool = false
    ) async throws -> PutResult where S.Element: ByteChunk {
        try await putFile(ref, path: path, from: body, options: PutOptions(contentType: contentType, metadata: metadata, append: append))
    }

    /// Puts many small in-memory files in one commit (one transaction): for bulk loads of small objects.
    @discardableResult
    public func putFiles(_ ref: CommitRef, files: [(path: String, bytes: [UInt8])], contentType: String? = nil) async throws -> CommitID {
        let target = try writeTarget(ref)
        var ops: [WriteOp] = []
        var small: [Digest: [UInt8]] = [:]
        var inflightAll: [Digest] = []
        defer { inflight.remove(inflightAll) }
        let ingest = FileIngest(blobs: blobs, inflight: inflight)
        for f in files {
            let key = try Paths.key(f.path)
            let content = try await ingest.ingest([f.bytes].async)
            inflightAll += content.inflight
            small.merge(content.smallChunks) { a, _ in a }
            ops.append(.put(key, FileEntry(content, contentType: contentType, metadata: [:]), precondition: nil))
        }
        return try await writer.submit(WriteRequest(repo: ref.repo, target: target, ops: ops, smallChunks: small))
    }

    /// Deletes the files at `paths` and every file under each of `prefixes`, in one commit.
    /// Paths that do not exist are ignored.
    ///
    /// `ifMatch` makes deletes of some of `paths` conditional, checked atomically with the write: such a file must
    /// exist (else ``PFSError/notFound(_:)``) and have that ETag unless the value is `*` (else
    /// ``PFSError/preconditionFailed(_:)``); when one fails, nothing is deleted.
    @discardableResult
    public func deleteFiles(_ ref: CommitRef, paths: [String], prefixes: [String] = [], ifMatch: [String: String] = [:]) async throws -> CommitID {
        let target = try writeTarget(ref)
        let ops = try deleteOps(paths: paths, prefixes: prefixes, ifMatch: ifMatch)
        return try await writer.submit(WriteRequest(repo: ref.repo, target: target, ops: ops, createBranch: false))
    }

    func deleteOps(paths: [String], prefixes: [String], ifMatch: [String: String] = [:]) throws -> [WriteOp] {
        if let stray = ifMatch.keys.first(where: { !paths.contains($0) }) {
            throw PFSError.invalidArgument("'\(stray)' has a delete condition but is not among the paths to delete")
        }
        var ops: [WriteOp] = []
        for p in paths { ops.append(.delete(try Paths.key(p), precondition: ifMatch[p].map { .etag($0) })) }
        for p in prefixes { ops.append(.deletePrefix(Array(p.utf8))) }
        return ops
    }

    /// Copies a file, or with a directory path every file under it, by reference: no bytes move.
    /// With `replacing`, a single copied file gets that content type and user metadata instead of its own.
    /// With `checksum`, a single copied file gets a whole-content checksum in that algorithm (see
    /// ``withChecksum(_:_:)``); without, it keeps the source's. `precondition` is checked on the destination of a
    /// single file, atomically with the write.
    @discardableResult
    public func copyFile(
        from src: CommitRef, path srcPath: String, to dst: CommitRef, path dstPath: String, replacing: FileAttributes? = nil,
        checksum: ContentChecksum.Algorithm? = nil, precondition: PutPrecondition? = nil
    ) async throws -> CommitID {
        let target = try writeTarget(dst)
        let ops = try await copyOps(from: src, path: srcPath, to: dstPath, replacing: replacing, checksum: checksum, precondition: precondition)
        return try await writer.submit(WriteRequest(repo: dst.repo, target: target, ops: ops))
    }

    /// The puts that copy `srcPath` of `src` (a file, or every file under a directory) to `dstPath`.
    func copyOps(
        from src: CommitRef, path srcPath: String, to dstPath: String, replacing: FileAttributes?, checksum: ContentChecksum.Algorithm? = nil,
        precondition: PutPrecondition? = nil
    ) async throws -> [WriteOp] {
        let root = try await resolve(src).root
        var ops: [WriteOp] = []
        let srcKey = try Paths.key(srcPath)
        if var e = try await Tree.lookup(root, srcKey, in: nodes) {
            if let replacing {
                e.contentType = replacing.contentType ?? "application/octet-stream"
                e.metadata = replacing.metadata
            }
            if let checksum { e = try await withChecksum(e, checksum) }
            ops.append(.put(try Paths.key(dstPath), e, precondition: precondition))
        } else {
            if precondition != nil { throw PFSError.invalidArgument("a condition on the destination needs a single file to copy, not '\(srcPath)'") }
            let srcDir = srcPath.hasSuffix("/") ? srcPath : srcPath + "/"
            let dstDir = dstPath.hasSuffix("/") ? dstPath : dstPath + "/"
            var cursor = try await TreeCursor.seek(root, to: Key(srcDir), in: nodes)
            let prefix = Array(srcDir.utf8)
            while let (k, e) = cursor.current, k.hasPrefix(prefix) {
                ops.append(.put(try Paths.key(dstDir + String(decoding: k.bytes[prefix.count...], as: UTF8.self)), e, precondition: nil))
                try await cursor.next()
            }
            if ops.isEmpty { throw PFSError.notFound("file '\(srcPath)' not found in \(src)") }
        }
        return ops
    }

    /// `entry` with a checksum of its whole content in `algorithm`: its own if it has that one; for a CRC
    /// of its parts' CRCs, the parts' values combined; otherwise computed from its bytes, read and verified
    /// as any read is. Part checksums in another algorithm are dropped with the old checksum.
    func withChecksum(_ entry: FileEntry, _ algorithm: ContentChecksum.Algorithm) async throws -> FileEntry {
        if let c = entry.checksum, c.algorithm == algorithm, c.parts == nil { return entry }
        var e = entry
        if entry.checksum?.algorithm == algorithm, let sums = entry.partChecksums, let sizes = entry.partSizes, sums.count == sizes.count,
            let whole = ContentChecksum.combined(zip(sums, sizes).map { (checksum: $0, size: $1) })
        {
            e.checksum = whole
            return e
        }
        var hasher = algorithm.makeHasher()
        for try await piece in try await reader(entry) { piece.withUnsafeBytes { hasher.update($0) } }
        e.checksum = ContentChecksum(algorithm, value: hasher.digest)
        if e.partChecksums?.first?.algorithm != algorithm { e.partChecksums = nil }
        return e
    }

    /// Creates an explicit empty directory (a zero-byte file whose path ends with `/`).
    @discardableResult
    public func createDirectory(_ ref: CommitRef, path: String) async throws -> CommitID {
        let p = path.hasSuffix("/") ? path : path + "/"
        return try await putFile(ref, path: p, from: [[UInt8]]().async, contentType: "application/x-directory").commit
    }

    func lookup(_ ref: CommitRef, _ key: Key) async throws -> FileEntry? {
        try await Tree.lookup(try await resolve(ref).root, key, in: nodes)
    }

    /// The file at `path`, or the directory if files exist under `path/`.
    public func inspectFile(_ ref: CommitRef, path: String) async throws -> FileInfo {
        let rec = try await resolve(ref)
        if path.isEmpty || path == "/" { return FileInfo(path: "", kind: .directory, entry: nil) }
        let key = try Paths.key(path)
        if let e = try await Tree.lookup(rec.root, key, in: nodes) { return FileInfo(path: path, kind: path.hasSuffix("/") ? .directory : .file, entry: e) }
        let dir = path.hasSuffix("/") ? path : path + "/"
        let cursor = try await TreeCursor.seek(rec.root, to: Key(dir), in: nodes)
        if let (k, e) = cursor.current, k.hasPrefix(Array(dir.utf8)) {
            return FileInfo(path: dir, kind: .directory, entry: k.bytes.count == dir.utf8.count ? e : nil)
        }
        throw PFSError.notFound("file '\(path)' not found in \(ref)")
    }

    /// Streams the bytes of the file at `path`, from `offset`, at most `length` bytes (nil: to the end).
    public func getFile(_ ref: CommitRef, path: String, offset: UInt64 = 0, length: UInt64? = nil) async throws -> FileReader<[UInt8]> {
        let key = try Paths.key(path)
        guard let e = try await lookup(ref, key) else {
            if (try? await inspectFile(ref, path: path))?.kind == .directory {
                throw PFSError.failedPrecondition("'\(path)' is a directory")
            }
            throw PFSError.notFound("file '\(path)' not found in \(ref)")
        }
        return try await reader(e, offset: offset, length: length)
    }

    /// Streams the bytes of a file version returned by a listing or ``inspectFile(_:path:)``.
    public func reader(_ entry: FileEntry, offset: UInt64 = 0, length: UInt64? = nil) async throws -> FileReader<[UInt8]> {
        try await reader(entry, offset: offset, length: length, as: [UInt8].self)
    }

    /// Streams the bytes of a file version returned by a listing or ``inspectFile(_:path:)`` in chunks of type `Bytes`.
    public func reader<Bytes: FillableByteChunk>(_ entry: FileEntry, offset: UInt64 = 0, length: UInt64? = nil, as: Bytes.Type)
        async throws -> FileReader<Bytes>
    {
        guard offset <= entry.size else {
            throw PFSError.invalidArgument("offset \(offset) is past the end of the file (\(entry.size) bytes)")
        }
        let chunks = try await ContentIndex.chunks(of: entry, source: nodes)
        let len = Swift.min(length ?? UInt64.max, entry.size - offset)
        return FileReader(chunks: chunks, loader: loader, offset: offset, length: len)
    }

    /// One page of files under `prefix` in key order, after `startAfter`; with a `delimiter`, keys that
    /// contain it after the prefix roll up into common prefixes. Costs O(page), not O(repo).
    public func listFiles(
        _ ref: CommitRef, prefix: String = "", startAfter: String? = nil, delimiter: String? = nil, limit: Int = 1000
    ) async throws -> ListPage {
        let root = try await resolve(ref).root
        return try await listFiles(root: root, prefix: prefix, startAfter: startAfter, delimiter: delimiter, limit: limit)
    }

    func listFiles(root: Digest?, prefix: String, startAfter: String?, delimiter: String?, limit: Int) async throws -> ListPage {
        let prefixBytes = Array(prefix.utf8)
        let after = startAfter.map { Array($0.utf8) }
        var start = Key(prefixBytes)
        if let after, Key(after) >= start { start = Key(after).immediateSuccessor }
        let delim = delimiter.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        var page = ListPage(files: [], commonPrefixes: [], isTruncated: false, nextMarker: nil)
        var cursor = try await TreeCursor.seek(root, to: start, in: nodes)
        var count = 0
        while let (k, e) = cursor.current, k.hasPrefix(prefixBytes) {
            if let delim, let idx = Self.find(delim, in: k.bytes, from: prefixBytes.count) {
                let cp = Array(k.bytes[..<(idx + delim.count)])
                if let after, Key(after).hasPrefix(cp) {
                    // The marker is inside this prefix: it was returned on an earlier page.
                } else {
                    if count == limit {
                        page.isTruncated = true
                        break
                    }
                    page.commonPrefixes.append(String(decoding: cp, as: UTF8.self))
                    page.nextMarker = page.commonPrefixes.last
                    count += 1
                }
                guard let next = Key.successor(ofPrefix: cp) else { break }
                try await cursor.seek(root, to: next)
                continue
            }
            if count == limit {
                page.isTruncated = true
                break
            }
            let path = k.string
            page.files.append(FileInfo(path: path, kind: path.hasSuffix("/") ? .directory : .file, entry: e))
            page.nextMarker = path
            count += 1
            try await cursor.next()
        }
        if !page.isTruncated { page.nextMarker = nil }
        return page
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard needle.count > 0, hay.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0], Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// Every file under `prefix`, in key order.
    public func walkFiles(_ ref: CommitRef, prefix: String = "") async throws -> [FileInfo] {
        let root = try await resolve(ref).root
        var out: [FileInfo] = []
        var after: String?
        while true {
            let page = try await listFiles(root: root, prefix: prefix, startAfter: after, delimiter: nil, limit: 1000)
            out += page.files
            guard page.isTruncated, let m = page.nextMarker else { return out }
            after = m
        }
    }

    /// Files and directories whose path matches the glob `pattern`.
    public func globFiles(_ ref: CommitRef, pattern: String) async throws -> [FileInfo] {
        let glob = Glob(pattern)
        let root = try await resolve(ref).root
        let prefix = Array(glob.literalPrefix.utf8)
        var cursor = try await TreeCursor.seek(root, to: Key(prefix), in: nodes)
        var out: [FileInfo] = []
        var seenDirs = Set<String>()
        while let (k, e) = cursor.current, k.hasPrefix(prefix) {
            let path = k.string
            // Implicit directories along the path, each once.
            var idx = path.startIndex
            while let slash = path[idx...].firstIndex(of: "/") {
                let dir = String(path[...slash])
                if dir != path, !seenDirs.contains(dir) {
                    seenDirs.insert(dir)
                    if glob.matches(String(dir.dropLast())) { out.append(FileInfo(path: dir, kind: .directory, entry: nil)) }
                }
                idx = path.index(after: slash)
            }
            if glob.matches(path.hasSuffix("/") ? String(path.dropLast()) : path), !seenDirs.contains(path) {
                out.append(FileInfo(path: path, kind: path.hasSuffix("/") ? .directory : .file, entry: e))
            }
            try await cursor.next()
        }
        return out
    }

    /// The changes from `old` (default: the parent of `new`) to `new`, in path order, under `prefix`.
    public func diffFiles(_ new: CommitRef, old: CommitRef? = nil, prefix: String = "", limit: Int = 0) async throws -> [FileChange] {
        let newRec = try await resolve(new)
        var oldRoot: Digest?
        if let old {
            oldRoot = try await resolve(old).root
        } else if let p = newRec.parent {
            oldRoot = try await metadata.commit(new.repo, p)?.root
        }
        var out: [FileChange] = []
        try await TreeDiff.diff(oldRoot, newRec.root, prefix: Array(prefix.utf8), in: nodes) { k, a, b in
            let kind: FileChange.Kind = a == nil ? .added : (b == nil ? .deleted : .modified)
            out.append(FileChange(kind: kind, path: k.string, old: a, new: b))
            return limit == 0 || out.count < limit
        }
        return out
    }
}

extension Array where Element: Sendable {
    /// This array as an async sequence of its elements.
    public var async: AsyncArraySequence<Element> { AsyncArraySequence(elements: self) }
}

/// An array as an async sequence; handy for small bodies.
public struct AsyncArraySequence<Element: Sendable>: AsyncSequence, Sendable {
    let elements: [Element]
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[Element]>
        public mutating func next() async -> Element? { base.next() }
    }
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: elements.makeIterator()) }
}
