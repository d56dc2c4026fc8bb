import Foundation
import GRPCCore
import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

/// `pachs3_v1.API`: the rest of the client API, which pfs_v2 does not carry, for pachs3's own
/// network client.
struct Pachs3Service: Pachs3V1_API.SimpleServiceProtocol {
    let client: any PFSClient

    func putFile(request: RPCAsyncSequence<Pachs3V1_PutFileRequest, any Error>, context: ServerContext) async throws -> Pachs3V1_PutResult {
        try await mapped {
            var messages = request.makeAsyncIterator()
            guard case .header(let h)? = try await messages.next()?.body else { throw PFSError.invalidArgument("PutFile: the first message must be the header") }
            var options = PutOptions(
                contentType: h.hasContentType ? h.contentType : nil, metadata: h.metadata, append: h.append,
                expectedMD5: h.expectedMd5.isEmpty ? nil : Array(h.expectedMd5), checksum: BodyChecksum())
            switch h.precondition {
            case .ifAbsent(true)?: options.precondition = .absent
            case .ifEtag(let e)?: options.precondition = .etag(e)
            default: break
            }
            let body = DataMessages(iterator: messages, checksum: options.checksum!)
            return Pachs3V1_PutResult(try await client.putFile(try h.commit.ref(), path: h.path, from: body, options: options))
        }
    }

    func deleteFiles(request: Pachs3V1_DeleteFilesRequest, context: ServerContext) async throws -> Pachs3V1_CommitResult {
        try await mapped { Pachs3V1_CommitResult(try await client.deleteFiles(try request.commit.ref(), paths: request.paths, prefixes: request.prefixes, ifMatch: request.ifMatch)) }
    }

    func copyFile(request: Pachs3V1_CopyFileRequest, context: ServerContext) async throws -> Pachs3V1_CommitResult {
        try await mapped {
            let replacing = request.hasReplacing
                ? FileAttributes(
                    contentType: request.replacing.hasContentType ? request.replacing.contentType : nil, metadata: request.replacing.metadata)
                : nil
            return Pachs3V1_CommitResult(
                try await client.copyFile(
                    from: try request.src.ref(), path: request.srcPath, to: try request.dst.ref(), path: request.dstPath, replacing: replacing,
                    checksum: try ContentChecksum.Algorithm(wire: request.checksumAlgorithm), precondition: request.precondition.model))
        }
    }

    func createDirectory(request: Pachs3V1_CreateDirectoryRequest, context: ServerContext) async throws -> Pachs3V1_CommitResult {
        try await mapped { Pachs3V1_CommitResult(try await client.createDirectory(try request.commit.ref(), path: request.path)) }
    }

    func getFile(request: Pachs3V1_GetFileRequest, response: RPCWriter<Google_Protobuf_BytesValue>, context: ServerContext) async throws {
        let stream = try await mapped {
            try await client.getFile(try request.commit.ref(), path: request.path, offset: request.offset, length: request.hasLength ? request.length : nil)
        }
        try await mapped { try await FileMessages.write(stream, to: response) }
    }

    func inspectFile(request: Pachs3V1_InspectFileRequest, context: ServerContext) async throws -> PfsV2_FileInfo {
        try await mapped { PfsV2_FileInfo(try await client.inspectFile(try request.commit.ref(), path: request.path), commit: request.commit) }
    }

    func listFiles(request: Pachs3V1_ListFilesRequest, context: ServerContext) async throws -> Pachs3V1_ListFilesResponse {
        try await mapped {
            let page = try await client.listFiles(
                try request.commit.ref(), prefix: request.prefix, startAfter: request.hasStartAfter ? request.startAfter : nil,
                delimiter: request.hasDelimiter ? request.delimiter : nil, limit: try Self.pageSize(request.limit))
            return Pachs3V1_ListFilesResponse(page, commit: request.commit)
        }
    }

    func walkFiles(request: Pachs3V1_PrefixRequest, response: RPCWriter<PfsV2_FileInfo>, context: ServerContext) async throws {
        let files = try await mapped { try await client.walkFiles(try request.commit.ref(), prefix: request.prefix) }
        try await response.write(contentsOf: files.map { PfsV2_FileInfo($0, commit: request.commit) })
    }

    func globFiles(request: Pachs3V1_GlobRequest, response: RPCWriter<PfsV2_FileInfo>, context: ServerContext) async throws {
        let files = try await mapped { try await client.globFiles(try request.commit.ref(), pattern: request.pattern) }
        try await response.write(contentsOf: files.map { PfsV2_FileInfo($0, commit: request.commit) })
    }

    func diffFiles(request: Pachs3V1_DiffRequest, response: RPCWriter<Pachs3V1_FileChange>, context: ServerContext) async throws {
        let changes = try await mapped {
            try await client.diffFiles(
                try request.new.ref(), old: request.hasOld ? try request.old.ref() : nil, prefix: request.prefix, limit: try Self.count(request.limit))
        }
        try await response.write(contentsOf: changes.map { Pachs3V1_FileChange($0, commit: request.new) })
    }

    func listVersions(request: Pachs3V1_ListVersionsRequest, context: ServerContext) async throws -> Pachs3V1_ListVersionsResponse {
        let r = request
        let page = try await mapped {
            try await client.listVersions(
                try r.commit.ref(), prefix: r.prefix, keyMarker: r.hasKeyMarker ? r.keyMarker : nil,
                versionMarker: r.hasVersionMarker ? r.versionMarker : nil, delimiter: r.hasDelimiter ? r.delimiter : nil, limit: try Self.pageSize(r.limit))
        }
        return Pachs3V1_ListVersionsResponse(page, commit: request.commit)
    }

    func listCommits(request: Pachs3V1_ListCommitsRequest, response: RPCWriter<PfsV2_CommitInfo>, context: ServerContext) async throws {
        let commits = try await mapped {
            try await client.listCommits(try request.repo.model(), from: request.hasFrom ? try request.from.ref() : nil, limit: try Self.count(request.limit))
        }
        try await response.write(contentsOf: commits.map(PfsV2_CommitInfo.init))
    }

    func createBranch(request: Pachs3V1_CreateBranchRequest, context: ServerContext) async throws -> PfsV2_BranchInfo {
        try await mapped {
            PfsV2_BranchInfo(
                try await client.createBranch(
                    try request.branch.repo.model(), request.branch.name, head: request.hasHead ? try request.head.ref() : nil, move: request.move))
        }
    }

    // MARK: multipart uploads

    func createUpload(request: Pachs3V1_CreateUploadRequest, context: ServerContext) async throws -> Pachs3V1_UploadInfo {
        try await mapped {
            Pachs3V1_UploadInfo(
                try await client.createUpload(
                    try request.commit.ref(), path: request.path, contentType: request.hasContentType ? request.contentType : nil,
                    metadata: request.metadata, checksum: try UploadChecksum(wire: request.checksumAlgorithm, composite: request.checksumComposite)))
        }
    }

    func inspectUpload(request: Pachs3V1_UploadID, context: ServerContext) async throws -> Pachs3V1_UploadInfo {
        try await mapped { Pachs3V1_UploadInfo(try await client.inspectUpload(request.id)) }
    }

    func listUploads(request: Pachs3V1_ListUploadsRequest, response: RPCWriter<Pachs3V1_UploadInfo>, context: ServerContext) async throws {
        let uploads = try await mapped { try await client.listUploads(request.hasRepo ? try request.repo.model() : nil) }
        try await response.write(contentsOf: uploads.map(Pachs3V1_UploadInfo.init))
    }

    func putPart(request: RPCAsyncSequence<Pachs3V1_PutPartRequest, any Error>, context: ServerContext) async throws -> Pachs3V1_PartInfo {
        try await mapped {
            var messages = request.makeAsyncIterator()
            guard case .header(let h)? = try await messages.next()?.body else { throw PFSError.invalidArgument("PutPart: the first message must be the header") }
            let checksum = h.checksumFollows ? BodyChecksum() : nil
            let body = PartMessages(iterator: messages, checksum: checksum)
            return Pachs3V1_PartInfo(
                try await client.putPart(
                    h.uploadID, number: Int(h.number), from: body, expectedMD5: h.expectedMd5.isEmpty ? nil : Array(h.expectedMd5), checksum: checksum))
        }
    }

    func copyPart(request: Pachs3V1_CopyPartRequest, context: ServerContext) async throws -> Pachs3V1_PartInfo {
        try await mapped {
            Pachs3V1_PartInfo(
                try await client.copyPart(
                    request.uploadID, number: Int(request.number), from: try request.src.ref(), path: request.path, offset: request.offset,
                    length: request.hasLength ? request.length : nil))
        }
    }

    func listParts(request: Pachs3V1_UploadID, context: ServerContext) async throws -> Pachs3V1_ListPartsResponse {
        try await mapped {
            var r = Pachs3V1_ListPartsResponse()
            r.parts = try await client.listParts(request.id).map(Pachs3V1_PartInfo.init)
            return r
        }
    }

    func abortUpload(request: Pachs3V1_UploadID, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await mapped {
            try await client.abortUpload(request.id)
            return Google_Protobuf_Empty()
        }
    }

    func completeUpload(request: Pachs3V1_CompleteUploadRequest, context: ServerContext) async throws -> Pachs3V1_PutResult {
        try await mapped {
            Pachs3V1_PutResult(
                try await client.completeUpload(
                    request.uploadID, parts: request.parts.map { (Int($0.number), $0.etag) },
                    expectedChecksum: request.hasExpectedChecksum ? try request.expectedChecksum.model() : nil,
                    precondition: request.precondition.model))
        }
    }

    // MARK: tokens and maintenance

    func getAuthStatus(request: Google_Protobuf_Empty, context: ServerContext) async throws -> Pachs3V1_AuthStatus {
        try await mapped {
            var r = Pachs3V1_AuthStatus()
            r.active = try await client.isAuthActive()
            return r
        }
    }

    func issueToken(request: Pachs3V1_IssueTokenRequest, context: ServerContext) async throws -> Pachs3V1_TokenResponse {
        try await mapped {
            try requireRoot("make tokens")
            var r = Pachs3V1_TokenResponse()
            r.token = try await client.issueToken(for: request.subject)
            return r
        }
    }

    func tokenSubject(request: Pachs3V1_TokenSubjectRequest, context: ServerContext) async throws -> Pachs3V1_TokenSubjectResponse {
        try await mapped {
            var r = Pachs3V1_TokenSubjectResponse()
            if let s = try await client.subject(ofToken: request.token) { r.subject = s }
            return r
        }
    }

    func garbageCollect(request: Pachs3V1_GarbageCollectRequest, context: ServerContext) async throws -> Pachs3V1_GCReport {
        try await mapped {
            try requireRoot("collect garbage")
            return Pachs3V1_GCReport(try await client.garbageCollect(grace: request.graceSeconds))
        }
    }

    func checkIntegrity(request: Google_Protobuf_Empty, context: ServerContext) async throws -> Pachs3V1_IntegrityReport {
        try await mapped { Pachs3V1_IntegrityReport(try await client.checkIntegrity()) }
    }

    func getStorageSpace(request: Google_Protobuf_Empty, context: ServerContext) async throws -> Pachs3V1_StorageSpace {
        try await mapped { Pachs3V1_StorageSpace(try await client.storageSpace()) }
    }

    /// While auth is on, only the root token may do `what`.
    private func requireRoot(_ what: String) throws {
        if let s = Caller.subject, s != "pach:root" { throw RPCError(code: .permissionDenied, message: "only the root token can \(what)") }
    }
}

/// The data messages that follow a PutFile header, as a body.
struct DataMessages: AsyncSequence {
    typealias Element = Data
    var iterator: RPCAsyncSequence<Pachs3V1_PutFileRequest, any Error>.AsyncIterator
    /// Receives the checksum message that may end the stream.
    let checksum: BodyChecksum

    struct AsyncIterator: AsyncIteratorProtocol {
        var iterator: RPCAsyncSequence<Pachs3V1_PutFileRequest, any Error>.AsyncIterator
        let checksum: BodyChecksum

        mutating func next() async throws -> Data? {
            while let m = try await iterator.next() {
                switch m.body {
                case .data(let d)?:
                    if !d.isEmpty { return d }
                case .checksum(let c)?:
                    checksum.value = try c.model()
                    guard try await iterator.next() == nil else { throw PFSError.invalidArgument("PutFile: the checksum must be the last message") }
                    return nil
                default:
                    throw PFSError.invalidArgument("PutFile: only data and a checksum may follow the header")
                }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(iterator: iterator, checksum: checksum) }
}

/// The data messages that follow a PutPart header, as a body.
struct PartMessages: AsyncSequence {
    typealias Element = Data
    var iterator: RPCAsyncSequence<Pachs3V1_PutPartRequest, any Error>.AsyncIterator
    /// Receives the checksum message that ends the stream when the header announced one.
    let checksum: BodyChecksum?

    struct AsyncIterator: AsyncIteratorProtocol {
        var iterator: RPCAsyncSequence<Pachs3V1_PutPartRequest, any Error>.AsyncIterator
        let checksum: BodyChecksum?

        mutating func next() async throws -> Data? {
            while let m = try await iterator.next() {
                switch m.body {
                case .data(let d)?:
                    if !d.isEmpty { return d }
                case .checksum(let c)?:
                    guard let checksum else { throw PFSError.invalidArgument("PutPart: a checksum the header did not announce") }
                    checksum.value = try c.model()
                    guard try await iterator.next() == nil else { throw PFSError.invalidArgument("PutPart: the checksum must be the last message") }
                    return nil
                default:
                    throw PFSError.invalidArgument("PutPart: only data and a checksum may follow the header")
                }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(iterator: iterator, checksum: checksum) }
}

extension Pachs3Service {
    /// A page of a listing: 0 to 10,000 entries (S3 asks for at most 1,000), so no request makes the server
    /// gather a whole repo for one answer.
    static func pageSize(_ limit: Int64) throws -> Int {
        guard (0...10_000).contains(limit) else { throw RPCError(code: .invalidArgument, message: "limit must be 0 to 10000, not \(limit)") }
        return Int(limit)
    }

    /// How many of a streamed answer to send (0: all).
    static func count(_ limit: Int64) throws -> Int {
        guard limit >= 0 else { throw RPCError(code: .invalidArgument, message: "limit must not be negative, not \(limit)") }
        return Int(limit)
    }
}
