import AsyncAlgorithms
import Foundation
import GRPCCore
public import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    public func putFile<S: AsyncSequence>(_ ref: CommitRef, path: String, from body: S, options o: PutOptions) async throws -> PutResult
    where S.Element: ByteChunk {
        var h = Pachs3V1_PutFileHeader()
        h.commit = PfsV2_Commit(ref)
        h.path = path
        if let ct = o.contentType { h.contentType = ct }
        h.metadata = o.metadata
        h.append = o.append
        if let md5 = o.expectedMD5 { h.expectedMd5 = Data(md5) }
        switch o.precondition {
        case .absent?: h.ifAbsent = true
        case .etag(let e)?: h.ifEtag = e
        case nil: break
        }
        let header = h
        let source = BodySource(body)
        let checksum = o.checksum
        return try await call {
            try await pachs3.putFile(metadata: metadata, options: options) { writer in
                try await writer.write(.with { $0.header = header })
                try await source.send { data in try await writer.write(.with { $0.data = data }) }
                // Known once the body has ended (it may have come in a trailer).
                if let c = checksum?.value { try await writer.write(.with { $0.checksum = Pachs3V1_Checksum(c) }) }
            }
        }.model()
    }

    @discardableResult
    public func deleteFiles(_ ref: CommitRef, paths: [String], prefixes: [String], ifMatch: [String: String]) async throws -> CommitID {
        var r = Pachs3V1_DeleteFilesRequest()
        r.commit = PfsV2_Commit(ref)
        r.paths = paths
        r.prefixes = prefixes
        r.ifMatch = ifMatch
        return try await call { try await pachs3.deleteFiles(r, metadata: metadata, options: options) }.model()
    }

    @discardableResult
    public func copyFile(
        from src: CommitRef, path srcPath: String, to dst: CommitRef, path dstPath: String, replacing: FileAttributes?,
        checksum: ContentChecksum.Algorithm?, precondition: PutPrecondition?
    ) async throws -> CommitID {
        var r = Pachs3V1_CopyFileRequest()
        r.src = PfsV2_Commit(src)
        r.srcPath = srcPath
        r.dst = PfsV2_Commit(dst)
        r.dstPath = dstPath
        if let replacing {
            if let ct = replacing.contentType { r.replacing.contentType = ct }
            r.replacing.metadata = replacing.metadata
        }
        if let checksum { r.checksumAlgorithm = checksum.rawValue }
        if let precondition { r.precondition = Pachs3V1_WritePrecondition(precondition) }
        return try await call { try await pachs3.copyFile(r, metadata: metadata, options: options) }.model()
    }

    @discardableResult
    public func createDirectory(_ ref: CommitRef, path: String) async throws -> CommitID {
        var r = Pachs3V1_CreateDirectoryRequest()
        r.commit = PfsV2_Commit(ref)
        r.path = path
        return try await call { try await pachs3.createDirectory(r, metadata: metadata, options: options) }.model()
    }

    public func inspectFile(_ ref: CommitRef, path: String) async throws -> FileInfo {
        var r = Pachs3V1_InspectFileRequest()
        r.commit = PfsV2_Commit(ref)
        r.path = path
        return try await call { try await pachs3.inspectFile(r, metadata: metadata, options: options) }.model()
    }

    /// Streams the file; like the local client, an unknown file or commit fails here, before the
    /// first byte.
    public func getFile(_ ref: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        var r = Pachs3V1_GetFileRequest()
        r.commit = PfsV2_Commit(ref)
        r.path = path
        r.offset = offset
        if let length { r.length = length }
        let request = r
        let channel = AsyncThrowingChannel<[UInt8], any Error>()
        let task = Task { [pachs3, metadata, options] in
            do {
                try await pachs3.getFile(request, metadata: metadata, options: options) { response in
                    for try await m in response.messages { await channel.send(Array(m.value)) }
                }
                channel.finish()
            } catch let e as RPCError {
                channel.fail(PFSError(e))
            } catch {
                channel.fail(error)
            }
        }
        let reader = ChannelReader(channel: channel, task: task)
        try await reader.prefetch()
        return AsyncThrowingStream { try await reader.next() }
    }

    public func listFiles(_ ref: CommitRef, prefix: String, startAfter: String?, delimiter: String?, limit: Int) async throws -> ListPage {
        var r = Pachs3V1_ListFilesRequest()
        r.commit = PfsV2_Commit(ref)
        r.prefix = prefix
        if let startAfter { r.startAfter = startAfter }
        if let delimiter { r.delimiter = delimiter }
        r.limit = Int64(limit)
        return try await call { try await pachs3.listFiles(r, metadata: metadata, options: options) }.model()
    }

    public func walkFiles(_ ref: CommitRef, prefix: String) async throws -> [FileInfo] {
        var r = Pachs3V1_PrefixRequest()
        r.commit = PfsV2_Commit(ref)
        r.prefix = prefix
        return try await call {
            try await pachs3.walkFiles(r, metadata: metadata, options: options) { response in
                var out: [FileInfo] = []
                for try await f in response.messages { out.append(f.model()) }
                return out
            }
        }
    }

    public func globFiles(_ ref: CommitRef, pattern: String) async throws -> [FileInfo] {
        var r = Pachs3V1_GlobRequest()
        r.commit = PfsV2_Commit(ref)
        r.pattern = pattern
        return try await call {
            try await pachs3.globFiles(r, metadata: metadata, options: options) { response in
                var out: [FileInfo] = []
                for try await f in response.messages { out.append(f.model()) }
                return out
            }
        }
    }

    public func listVersions(_ ref: CommitRef, prefix: String, keyMarker: String?, versionMarker: String?, delimiter: String?, limit: Int)
        async throws -> VersionPage
    {
        var r = Pachs3V1_ListVersionsRequest()
        r.commit = PfsV2_Commit(ref)
        r.prefix = prefix
        if let keyMarker { r.keyMarker = keyMarker }
        if let versionMarker { r.versionMarker = versionMarker }
        if let delimiter { r.delimiter = delimiter }
        r.limit = Int64(limit)
        return try await call { try await pachs3.listVersions(r, metadata: metadata, options: options) }.model()
    }

    public func diffFiles(_ new: CommitRef, old: CommitRef?, prefix: String, limit: Int) async throws -> [FileChange] {
        var r = Pachs3V1_DiffRequest()
        r.new = PfsV2_Commit(new)
        if let old { r.old = PfsV2_Commit(old) }
        r.prefix = prefix
        r.limit = Int64(limit)
        return try await call {
            try await pachs3.diffFiles(r, metadata: metadata, options: options) { response in
                var out: [FileChange] = []
                for try await c in response.messages { out.append(try c.model()) }
                return out
            }
        }
    }
}

/// A request body, sent once from the call's producer closure (which must be Sendable) while the
/// caller awaits the call: never used from two tasks at once.
final class BodySource: @unchecked Sendable {
    private let run: ((Data) async throws -> Void) async throws -> Void

    init<S: AsyncSequence>(_ body: S) where S.Element: ByteChunk {
        run = { write in
            // Sent in messages of about uploadMessageBytes.
            let reader = ShieldedReader(body)
            while let message = try await reader.next(atLeast: RemotePFSClient.uploadMessageBytes) { try await write(message) }
        }
    }

    func send(_ write: (Data) async throws -> Void) async throws { try await run(write) }
}

/// The consumer side of a streamed download; dropping it cancels the call.
final class ChannelReader: @unchecked Sendable {
    private var iterator: AsyncThrowingChannel<[UInt8], any Error>.AsyncIterator
    private let task: Task<Void, Never>
    private var first: [UInt8]?
    private var ended = false

    init(channel: AsyncThrowingChannel<[UInt8], any Error>, task: Task<Void, Never>) {
        iterator = channel.makeAsyncIterator()
        self.task = task
    }

    deinit { task.cancel() }

    /// Waits for the first piece (or the end, or the error).
    func prefetch() async throws {
        first = try await iterator.next()
        ended = first == nil
    }

    func next() async throws -> [UInt8]? {
        if let f = first {
            first = nil
            return f
        }
        if ended { return nil }
        return try await iterator.next()
    }
}
