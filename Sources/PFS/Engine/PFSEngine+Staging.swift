extension PFSEngine {
    /// Streams `body` into the store without putting it anywhere: chunked, hashed and written as a put's
    /// body is, then kept (safe from garbage collection) until ``putStaged(_:path:staged:options:)`` puts it
    /// in a commit or ``dropStaged(_:)`` lets it go. A writer that does not yet know whether, or where, its
    /// bytes will be committed streams them here instead of keeping a copy.
    public func stageContent<S: AsyncSequence>(from body: S) async throws -> StagedContent where S.Element: ByteChunk {
        let content = try await FileIngest(blobs: blobs, inflight: inflight).ingest(body)
        return StagedContent(id: staged.add(content), size: content.size, md5: content.md5)
    }

    /// Puts staged content at `path` as ``putFile(_:path:from:options:)`` puts a body (into the open commit
    /// `ref` names, or a new commit on its branch). The content stays staged, to be read back or put again,
    /// until it is dropped.
    public func putStaged(_ ref: CommitRef, path: String, staged id: String, options: PutOptions) async throws -> PutResult {
        let key = try Paths.key(path)
        let target = try writeTarget(ref)
        let content = try staged.get(id)
        // Kept from collection until the commit lands, even if the content is dropped meanwhile.
        inflight.add(content.inflight)
        defer { inflight.remove(content.inflight) }
        return try await commit(content, ref, key: key, target: target, options: options)
    }

    /// The bytes of staged content from `offset`, `length` of them (to the end when nil), verified as a file's are.
    public func readStaged(_ id: String, offset: UInt64 = 0, length: UInt64? = nil) throws -> FileReader<[UInt8]> {
        let content = try staged.get(id)
        guard offset <= content.size else {
            throw PFSError.invalidArgument("offset \(offset) is past the end of the staged content (\(content.size) bytes)")
        }
        // Small chunks are not in the store until a commit writes them: they are read from the staged content itself.
        let small = content.smallChunks
        var loader = ChunkLoader(metadata: metadata, blobs: blobs)
        loader.pending = { (d: Digest) -> [UInt8]? in small[d] }
        return FileReader(chunks: content.chunks, loader: loader, offset: offset, length: Swift.min(length ?? .max, content.size - offset))
    }

    /// Lets staged content go: garbage collection may remove its chunks unless something else uses them.
    public func dropStaged(_ id: String) {
        if let content = staged.remove(id) { inflight.remove(content.inflight) }
    }
}
