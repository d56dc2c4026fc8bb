import Foundation
import GRPCCore
import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension PFSService {
    /// The commit a file request reads, resolved to its ID (NOT_FOUND for unknown commits), as
    /// the FileInfos it returns name it.
    func resolve(_ commit: PfsV2_Commit) async throws -> (ref: CommitRef, wire: PfsV2_Commit) {
        let info = try await client.inspectCommit(try commit.ref())
        return (.commit(info.repo, info.id), PfsV2_Commit(info.repo, id: info.id, branch: info.branch))
    }

    func getFile(request: PfsV2_GetFileRequest, response: RPCWriter<Google_Protobuf_BytesValue>, context: ServerContext) async throws {
        guard request.url.isEmpty else { throw RPCError(code: .invalidArgument, message: "pachs3 does not write files to URLs: leave URL empty") }
        guard !request.hasPathRange else { throw RPCError(code: .invalidArgument, message: "pachs3 does not serve path ranges") }
        guard request.offset >= 0 else { throw RPCError(code: .invalidArgument, message: "offset must not be negative") }
        let stream = try await mapped {
            try await client.getFile(try request.file.commit.ref(), path: WirePath.key(request.file.path), offset: UInt64(request.offset), length: nil)
        }
        try await mapped { try await FileMessages.write(stream, to: response) }
    }

    func inspectFile(request: PfsV2_InspectFileRequest, context: ServerContext) async throws -> PfsV2_FileInfo {
        try await mapped {
            let (ref, wire) = try await resolve(request.file.commit)
            let info = try await client.inspectFile(ref, path: WirePath.key(request.file.path))
            return PfsV2_FileInfo(info, commit: wire)
        }
    }

    /// The entries directly in a directory (Pachyderm's ListFile), after the pagination marker,
    /// at most `number` of them (0: all).
    func listFile(request: PfsV2_ListFileRequest, response: RPCWriter<PfsV2_FileInfo>, context: ServerContext) async throws {
        guard !request.reverse else { throw RPCError(code: .invalidArgument, message: "pachs3 lists files in order only: leave reverse unset") }
        let (ref, wire) = try await mapped { try await resolve(request.file.commit) }
        var dir = WirePath.key(request.file.path)
        if !dir.isEmpty, !dir.hasSuffix("/") { dir += "/" }
        var after: String? = request.hasPaginationMarker ? WirePath.key(request.paginationMarker.path) : nil
        if let a = after, a.hasSuffix("/") { after = String(a.dropLast()) + "0" }  // past everything under a directory marker
        var sent: Int64 = 0
        while true {
            let pageSize = request.number > 0 ? Int(min(request.number - sent, 1000)) : 1000
            let page = try await mapped { try await client.listFiles(ref, prefix: dir, startAfter: after, delimiter: "/", limit: pageSize) }
            if sent == 0, page.files.isEmpty, page.commonPrefixes.isEmpty, after == nil, !dir.isEmpty {
                // Not a directory: a file lists as itself, anything else is not found.
                let info = try await mapped { try await client.inspectFile(ref, path: String(dir.dropLast())) }
                try await response.write(PfsV2_FileInfo(info, commit: wire))
                return
            }
            var entries = page.files.map { PfsV2_FileInfo($0, commit: wire) }
            entries += page.commonPrefixes.map { PfsV2_FileInfo(directory: $0, commit: wire) }
            entries.sort { $0.file.path < $1.file.path }
            try await response.write(contentsOf: entries)
            sent += Int64(entries.count)
            guard page.isTruncated, let next = page.nextMarker, request.number == 0 || sent < request.number else { return }
            after = next
        }
    }

    func walkFile(request: PfsV2_WalkFileRequest, response: RPCWriter<PfsV2_FileInfo>, context: ServerContext) async throws {
        guard !request.reverse else { throw RPCError(code: .invalidArgument, message: "pachs3 walks files in order only: leave reverse unset") }
        let (ref, wire) = try await mapped { try await resolve(request.file.commit) }
        var prefix = WirePath.key(request.file.path)
        if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
        var files = try await mapped { try await client.walkFiles(ref, prefix: prefix) }
        if request.hasPaginationMarker {
            let marker = WirePath.key(request.paginationMarker.path)
            files.removeAll { $0.path <= marker }
        }
        if request.number > 0 { files = Array(files.prefix(Int(request.number))) }
        try await response.write(contentsOf: files.map { PfsV2_FileInfo($0, commit: wire) })
    }

    func globFile(request: PfsV2_GlobFileRequest, response: RPCWriter<PfsV2_FileInfo>, context: ServerContext) async throws {
        guard !request.hasPathRange else { throw RPCError(code: .invalidArgument, message: "pachs3 does not serve path ranges") }
        let (ref, wire) = try await mapped { try await resolve(request.commit) }
        let files = try await mapped { try await client.globFiles(ref, pattern: WirePath.key(request.pattern)) }
        try await response.write(contentsOf: files.map { PfsV2_FileInfo($0, commit: wire) })
    }

    func diffFile(request: PfsV2_DiffFileRequest, response: RPCWriter<PfsV2_DiffFileResponse>, context: ServerContext) async throws {
        let (newRef, newWire) = try await mapped { try await resolve(request.newFile.commit) }
        var oldRef: CommitRef?
        var oldWire = PfsV2_Commit()
        if request.hasOldFile {
            let old = try await mapped { try await resolve(request.oldFile.commit) }
            oldRef = old.ref
            oldWire = old.wire
        } else if let parent = try await mapped({ try await client.inspectCommit(newRef) }).parent {
            oldRef = .commit(newRef.repo, parent)
            oldWire = PfsV2_Commit(newRef.repo, id: parent, branch: nil)
        }
        let prefix = WirePath.key(request.newFile.path)
        let changes = try await mapped { try await client.diffFiles(newRef, old: oldRef, prefix: prefix, limit: 0) }
        try await response.write(
            contentsOf: changes.map { change in
                var r = PfsV2_DiffFileResponse()
                if let e = change.new { r.newFile = PfsV2_FileInfo(FileInfo(path: change.path, kind: .file, entry: e), commit: newWire) }
                if let e = change.old { r.oldFile = PfsV2_FileInfo(FileInfo(path: change.path, kind: .file, entry: e), commit: oldWire) }
                return r
            })
    }
}
