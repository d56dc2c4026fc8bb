import Foundation
import GRPCCore
import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension PFSService {
    /// Pachyderm's ModifyFile: set_commit first, then add_file (raw), delete_file and copy_file in
    /// order. Consecutive add_file messages for one path stream into one file; add_file appends, so
    /// a delete_file of that path before it in the stream (the SDK's overwrite) makes it a new file.
    /// A delete_file path ending in `/` deletes the directory.
    ///
    /// The operations after each set_commit are one write, as in Pachyderm: to a branch whose HEAD
    /// is finished, one commit holding all of them; into an open commit, all at once. A stream that
    /// breaks commits nothing of the operations after its last set_commit.
    func modifyFile(request: RPCAsyncSequence<PfsV2_ModifyFileRequest, any Error>, context: ServerContext) async throws
        -> Google_Protobuf_Empty
    {
        try await mapped {
            let cursor = ModifyFileCursor(request)
            guard let first = try await cursor.next() else { return Google_Protobuf_Empty() }
            guard let body = first.body else { throw PFSError.invalidArgument("ModifyFile: a message carries no operation") }
            guard case .setCommit(let c) = body else { throw PFSError.invalidArgument("ModifyFile: the first message must be set_commit") }
            var next: PfsV2_Commit? = c
            while let commit = next {
                next = nil
                try await client.modifyFiles(try commit.ref()) { changes in
                    while let m = try await cursor.next() {
                        guard let body = m.body else { throw PFSError.invalidArgument("ModifyFile: a message carries no operation") }
                        switch body {
                        case .setCommit(let c):
                            next = c
                            return
                        case .addFile(let add):
                            guard case .raw? = add.source else {
                                throw PFSError.invalidArgument("ModifyFile: add_file '\(add.path)' needs raw bytes (pachs3 does not fetch URLs)")
                            }
                            try await changes.putFile(path: WirePath.key(add.path), from: cursor.body(startingWith: add), append: true)
                        case .deleteFile(let d):
                            let key = WirePath.key(d.path)
                            if key.isEmpty || key.hasSuffix("/") {
                                try await changes.deleteFiles(paths: [], prefixes: [key])
                            } else {
                                try await changes.deleteFiles(paths: [key], prefixes: [])
                            }
                        case .copyFile(let copy):
                            guard !copy.append else { throw PFSError.invalidArgument("ModifyFile: pachs3 does not append copies: leave append unset") }
                            try await changes.copyFile(from: try copy.src.commit.ref(), path: WirePath.key(copy.src.path), to: WirePath.key(copy.dst))
                        }
                    }
                }
            }
            return Google_Protobuf_Empty()
        }
    }
}
