import AsyncAlgorithms
import Foundation
import GRPCCore
public import PFS
public import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    /// One ModifyFile stream: the server applies it as one commit, or not at all when the stream
    /// breaks (which is what `body` throwing does).
    public func modifyFiles(_ ref: CommitRef, _ body: (any FileChanges) async throws -> Void) async throws {
        let channel = AsyncThrowingChannel<PfsV2_ModifyFileRequest, any Error>()
        async let rpc: Void = call { [pfs, metadata, options] in
            // When the call ends early (the server refused), pending and later sends return at once.
            defer { channel.finish() }
            _ = try await pfs.modifyFile(metadata: metadata, options: options) { writer in
                for try await m in channel { try await writer.write(m) }
            }
        }
        do {
            await channel.send(.with { $0.setCommit = PfsV2_Commit(ref) })
            try await body(RemoteFileChanges(channel: channel))
            channel.finish()
        } catch {
            channel.fail(error)
            _ = try? await rpc
            throw error
        }
        try await rpc
    }
}

/// The changes of a remote ``RemotePFSClient/modifyFiles(_:_:)``, as ModifyFile messages.
struct RemoteFileChanges: FileChanges {
    let channel: AsyncThrowingChannel<PfsV2_ModifyFileRequest, any Error>

    func putFile<S: AsyncSequence>(path: String, from body: S, append: Bool) async throws where S.Element: ByteChunk {
        let wire = WirePath.path(path)
        // Pachyderm's overwrite: a delete of the path, then the appends that make the new file.
        if !append { await channel.send(.with { $0.deleteFile.path = wire }) }
        var sent = false
        try await BodySource(body).send { data in
            await channel.send(.with { $0.addFile = .with { $0.path = wire; $0.raw = .with { $0.value = data } } })
            sent = true
        }
        if !sent { await channel.send(.with { $0.addFile = .with { $0.path = wire; $0.raw = .with { $0.value = Data() } } }) }
    }

    func deleteFiles(paths: [String], prefixes: [String]) async throws {
        for p in paths { await channel.send(.with { $0.deleteFile.path = WirePath.path(p) }) }
        for p in prefixes {
            let dir = p.isEmpty || p.hasSuffix("/") ? p : p + "/"
            await channel.send(.with { $0.deleteFile.path = WirePath.path(dir) })
        }
    }

    func copyFile(from src: CommitRef, path srcPath: String, to dstPath: String) async throws {
        await channel.send(
            .with {
                $0.copyFile.src = .with { f in
                    f.commit = PfsV2_Commit(src)
                    f.path = WirePath.path(srcPath)
                }
                $0.copyFile.dst = WirePath.path(dstPath)
            })
    }
}
