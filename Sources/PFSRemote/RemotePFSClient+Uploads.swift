import Foundation
import GRPCCore
public import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    public func createUpload(_ ref: CommitRef, path: String, contentType: String?, metadata md: [String: String], checksum: UploadChecksum?)
        async throws -> UploadInfo
    {
        var r = Pachs3V1_CreateUploadRequest()
        r.commit = PfsV2_Commit(ref)
        r.path = path
        if let contentType { r.contentType = contentType }
        r.metadata = md
        if let checksum {
            r.checksumAlgorithm = checksum.algorithm.rawValue
            r.checksumComposite = checksum.composite
        }
        return try await call { try await pachs3.createUpload(r, metadata: metadata, options: options) }.model()
    }

    public func inspectUpload(_ id: String) async throws -> UploadInfo {
        try await call { try await pachs3.inspectUpload(.with { $0.id = id }, metadata: metadata, options: options) }.model()
    }

    public func listUploads(_ repo: RepoID?) async throws -> [UploadInfo] {
        var r = Pachs3V1_ListUploadsRequest()
        if let repo { r.repo = PfsV2_Repo(repo) }
        return try await call {
            try await pachs3.listUploads(r, metadata: metadata, options: options) { response in
                var out: [UploadInfo] = []
                for try await u in response.messages { out.append(try u.model()) }
                return out
            }
        }
    }

    public func putPart<S: AsyncSequence>(_ id: String, number: Int, from body: S, expectedMD5: [UInt8]?, checksum: BodyChecksum?) async throws
        -> PartInfo where S.Element: ByteChunk
    {
        var h = Pachs3V1_PutPartHeader()
        h.uploadID = id
        h.number = Int64(number)
        if let expectedMD5 { h.expectedMd5 = Data(expectedMD5) }
        h.checksumFollows = checksum != nil
        let header = h
        let source = BodySource(body)
        return try await call {
            try await pachs3.putPart(metadata: metadata, options: options) { writer in
                try await writer.write(.with { $0.header = header })
                try await source.send { data in try await writer.write(.with { $0.data = data }) }
                // Announced in the header: sent even when empty-handed, so the server sees the promise kept or broken.
                if let checksum {
                    guard let c = checksum.value else { throw PFSError.invalidArgument("the part's body ended without the checksum it promised") }
                    try await writer.write(.with { $0.checksum = Pachs3V1_Checksum(c) })
                }
            }
        }.model()
    }

    public func copyPart(_ id: String, number: Int, from src: CommitRef, path: String, offset: UInt64, length: UInt64?) async throws -> PartInfo {
        var r = Pachs3V1_CopyPartRequest()
        r.uploadID = id
        r.number = Int64(number)
        r.src = PfsV2_Commit(src)
        r.path = path
        r.offset = offset
        if let length { r.length = length }
        return try await call { try await pachs3.copyPart(r, metadata: metadata, options: options) }.model()
    }

    public func listParts(_ id: String) async throws -> [PartInfo] {
        try await call { try await pachs3.listParts(.with { $0.id = id }, metadata: metadata, options: options) }.parts.map { try $0.model() }
    }

    public func abortUpload(_ id: String) async throws {
        _ = try await call { try await pachs3.abortUpload(.with { $0.id = id }, metadata: metadata, options: options) }
    }

    public func completeUpload(
        _ id: String, parts: [(number: Int, etag: String)], expectedChecksum: ContentChecksum?, precondition: PutPrecondition?
    ) async throws -> PutResult {
        var r = Pachs3V1_CompleteUploadRequest()
        r.uploadID = id
        r.parts = parts.map { p in .with { $0.number = Int64(p.number); $0.etag = p.etag } }
        if let expectedChecksum { r.expectedChecksum = Pachs3V1_Checksum(expectedChecksum) }
        if let precondition { r.precondition = Pachs3V1_WritePrecondition(precondition) }
        return try await call { try await pachs3.completeUpload(r, metadata: metadata, options: options) }.model()
    }
}
