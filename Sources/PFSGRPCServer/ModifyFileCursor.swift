import Foundation
import GRPCCore
import PFSProto

/// The messages of one ModifyFile stream, read one at a time, with one message of look-ahead: the
/// add_file messages for one path that follow each other make one streamed file body.
final class ModifyFileCursor {
    private var iterator: RPCAsyncSequence<PfsV2_ModifyFileRequest, any Error>.AsyncIterator
    private var pushedBack: PfsV2_ModifyFileRequest?

    init(_ messages: RPCAsyncSequence<PfsV2_ModifyFileRequest, any Error>) {
        iterator = messages.makeAsyncIterator()
    }

    func next() async throws -> PfsV2_ModifyFileRequest? {
        if let m = pushedBack {
            pushedBack = nil
            return m
        }
        return try await iterator.next()
    }

    func pushBack(_ message: PfsV2_ModifyFileRequest) { pushedBack = message }

    /// The body of the file that the add_file `first` starts: its bytes, then those of each
    /// add_file for the same path that follows it directly.
    func body(startingWith first: PfsV2_AddFile) -> AddFileBody { AddFileBody(cursor: self, path: first.path, first: first.raw.value) }
}

/// The bytes of consecutive raw add_file messages for one path, as they arrive.
struct AddFileBody: AsyncSequence {
    typealias Element = Data
    let cursor: ModifyFileCursor
    let path: String
    let first: Data

    struct AsyncIterator: AsyncIteratorProtocol {
        let cursor: ModifyFileCursor
        let path: String
        var first: Data?
        var done = false

        mutating func next() async throws -> Data? {
            if let f = first {
                first = nil
                if !f.isEmpty { return f }
            }
            while !done {
                guard let m = try await cursor.next() else {
                    done = true
                    return nil
                }
                guard case .addFile(let add)? = m.body, add.path == path, case .raw(let raw)? = add.source else {
                    cursor.pushBack(m)
                    done = true
                    return nil
                }
                if !raw.value.isEmpty { return raw.value }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(cursor: cursor, path: path, first: first) }
}
