import Foundation
import GRPCCore
import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension PFSService {
    /// Pachyderm's ModifyFile: set_commit first, then add_file (raw), delete_file and copy_file in
    /// order. Consecutive add_file messages for one path stream into one file; add_file appends
    /// unless a delete_file of that path came before it in the stream (the SDK's overwrite), and
    /// that pair is one write. A delete_file path ending in `/` deletes the directory.
    ///
    /// Into an open commit every operation lands in it; to a branch whose HEAD is finished each
    /// write is its own commit. A write whose stream breaks commits nothing.
    func modifyFile(request: RPCAsyncSequence<PfsV2_ModifyFileRequest, any Error>, context: ServerContext) async throws
        -> Google_Protobuf_Empty
    {
        try await mapped {
            let cursor = ModifyFileCursor(request)
            var target: CommitRef?
            var deletes = PendingDeletes()
            while let m = try await cursor.next() {
                guard let body = m.body else { throw PFSError.invalidArgument("ModifyFile: a message carries no operation") }
                if case .setCommit(let c) = body {
                    if let t = target { try await deletes.flush(to: t, client: client) }
                    target = try c.ref()
                    continue
                }
                guard let target else { throw PFSError.invalidArgument("ModifyFile: the first message must be set_commit") }
                switch body {
                case .setCommit: break
                case .addFile(let add):
                    guard case .raw? = add.source else {
                        throw PFSError.invalidArgument("ModifyFile: add_file '\(add.path)' needs raw bytes (pachs3 does not fetch URLs)")
                    }
                    let key = WirePath.key(add.path)
                    let overwrite = deletes.paths.remove(key) != nil
                    try await deletes.flush(to: target, client: client)
                    _ = try await client.putFile(target, path: key, from: cursor.body(startingWith: add), options: PutOptions(append: !overwrite))
                case .deleteFile(let d):
                    let key = WirePath.key(d.path)
                    if key.isEmpty || key.hasSuffix("/") { deletes.prefixes.append(key) } else { deletes.paths.insert(key) }
                case .copyFile(let copy):
                    guard !copy.append else { throw PFSError.invalidArgument("ModifyFile: pachs3 does not append copies: leave append unset") }
                    try await deletes.flush(to: target, client: client)
                    let src = try copy.src.commit.ref()
                    try await client.copyFile(from: src, path: WirePath.key(copy.src.path), to: target, path: WirePath.key(copy.dst), replacing: nil)
                }
            }
            if let target { try await deletes.flush(to: target, client: client) }
            return Google_Protobuf_Empty()
        }
    }
}

/// delete_file operations not yet applied: a delete followed by an add of the same path is one
/// overwrite; the others are applied together, before the next write and at the end.
struct PendingDeletes {
    var paths = Set<String>()
    var prefixes: [String] = []

    mutating func flush(to target: CommitRef, client: any PFSClient) async throws {
        guard !paths.isEmpty || !prefixes.isEmpty else { return }
        try await client.deleteFiles(target, paths: paths.sorted(), prefixes: prefixes)
        paths = []
        prefixes = []
    }
}
