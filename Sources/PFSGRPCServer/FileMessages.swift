import Foundation
import GRPCCore
import SwiftProtobuf

/// File content as a stream of BytesValue messages of at most ``PFSGRPCServer/fileMessageBytes``:
/// small pieces are coalesced, large ones split.
enum FileMessages {
    /// Pieces at least this large go out as messages of their own, without a copy.
    static let directBytes = 256 << 10

    static func write(_ stream: AsyncThrowingStream<[UInt8], any Error>, to response: RPCWriter<Google_Protobuf_BytesValue>) async throws {
        let limit = PFSGRPCServer.fileMessageBytes
        var buffer = Data()
        func flush() async throws {
            guard !buffer.isEmpty else { return }
            try await response.write(.with { $0.value = buffer })
            buffer = Data()
        }
        for try await piece in stream {
            if piece.count >= directBytes {
                try await flush()
                var start = 0
                while start < piece.count {
                    let end = min(start + limit, piece.count)
                    try await response.write(.with { $0.value = Self.view(piece, start..<end) })
                    start = end
                }
                continue
            }
            if buffer.count + piece.count > limit { try await flush() }
            if buffer.isEmpty { buffer.reserveCapacity(limit) }
            piece.withUnsafeBytes { buffer.append(contentsOf: $0) }
        }
        try await flush()
    }

    /// `range` of `array` as Data that shares the array's storage: the array is immutable and kept
    /// alive by the Data's deallocator, so the bytes stay valid for as long as the Data lives.
    static func view(_ array: [UInt8], _ range: Range<Int>) -> Data {
        array.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress, !range.isEmpty else { return Data() }
            return Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: base + range.lowerBound), count: range.count,
                deallocator: .custom { _, _ in withExtendedLifetime(array) {} })
        }
    }
}
