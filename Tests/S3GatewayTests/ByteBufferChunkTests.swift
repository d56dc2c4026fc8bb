import NIOCore
import PFS
import S3Gateway
import Testing

@Suite struct ByteBufferChunkTests {
    @Test func fillsExactlyTheBytesAskedForAndSlicesShareThem() throws {
        let chunk = try ByteBufferChunk(count: 10) { buf in
            for i in buf.indices { buf[i] = UInt8(i) }
        }
        #expect(chunk.count == 10)
        #expect(chunk.buffer.readableBytesView.elementsEqual(0..<10))
        let middle = chunk.slice(3..<7)
        #expect(middle.count == 4)
        #expect(middle.withUnsafeBytes { Array($0) } == [3, 4, 5, 6])
        #expect(middle.slice(1..<3).withUnsafeBytes { Array($0) } == [4, 5])
        // A slice is a view of the same storage, not a copy.
        let base = chunk.buffer.withUnsafeReadableBytes { $0.baseAddress! }
        #expect(middle.buffer.withUnsafeReadableBytes { $0.baseAddress! } == base + 3)
    }

    @Test func aFailedFillThrows() {
        struct Failed: Error {}
        #expect(throws: Failed.self) { try ByteBufferChunk(count: 4) { _ in throw Failed() } }
    }
}
