import Foundation
import GRPCCore
import SwiftProtobuf

/// File content as a stream of BytesValue messages of at most ``PFSGRPCServer/fileMessageBytes``:
/// small pieces are coalesced, large ones split.
enum FileMessages {
    static func write(_ stream: AsyncThrowingStream<[UInt8], any Error>, to response: RPCWriter<Google_Protobuf_BytesValue>) async throws {
        let limit = PFSGRPCServer.fileMessageBytes
        var buffer = Data()
        buffer.reserveCapacity(limit)
        for try await piece in stream {
            var rest = piece[...]
            while !rest.isEmpty {
                let n = min(limit - buffer.count, rest.count)
                buffer.append(contentsOf: rest.prefix(n))
                rest = rest.dropFirst(n)
                if buffer.count == limit {
                    try await response.write(.with { $0.value = buffer })
                    buffer = Data()
                    buffer.reserveCapacity(limit)
                }
            }
        }
        if !buffer.isEmpty { try await response.write(.with { $0.value = buffer }) }
    }
}
