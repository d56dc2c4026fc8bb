import FuzzSupport
import NIOCore
@testable import S3Gateway

/// Feeds the input to the aws-chunked decoder in pieces whose sizes the first byte picks, so chunk headers,
/// CRLFs and trailers are split at every place the network may split them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAWSChunked(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var parser = AWSChunkedParser(keepsHeaders: true)
    var decoded = 0
    do {
        for piece in pieces(of: UnsafeRawBufferPointer(start: start, count: count), maxPiece: 17) {
            decoded += try parser.feed(piece).reduce(0) { $0 + $1.readableBytes }
            while parser.nextHeader() != nil {}
        }
        try parser.finish()
    } catch {
        return 0
    }
    precondition(UInt64(decoded) == parser.decodedLength)
    precondition(decoded <= count)
    return 0
}
