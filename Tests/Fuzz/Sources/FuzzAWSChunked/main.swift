import NIOCore
@testable import S3Gateway

/// Feeds the input to the aws-chunked decoder in pieces whose sizes the first byte picks, so chunk headers,
/// CRLFs and trailers are split at every place the network may split them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAWSChunked(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let first = bytes.first else { return 0 }
    let step = Int(first % 17) + 1
    var parser = AWSChunkedParser()
    var decoded = 0
    var offset = 1
    do {
        while offset < bytes.count {
            let end = min(bytes.count, offset + step)
            let out = try parser.feed(ByteBuffer(bytes: bytes[offset..<end]))
            decoded += out.reduce(0) { $0 + $1.readableBytes }
            offset = end
        }
        try parser.finish()
    } catch {
        return 0
    }
    precondition(UInt64(decoded) == parser.decodedLength)
    precondition(decoded <= count)
    return 0
}
