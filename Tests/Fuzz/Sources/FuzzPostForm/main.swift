import Dispatch
import FuzzSupport
import NIOCore
@testable import S3Gateway

/// An S3 POST upload's `multipart/form-data` body (boundary `xYzZY`), fed in pieces whose size the first byte
/// picks: reading the fields, the file and what follows must end in bytes or an S3 error, never a crash, and the
/// file can hold no more bytes than the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostForm(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Pieces(pieces: pieces(of: UnsafeRawBufferPointer(start: start, count: count), maxPiece: 31))
    let done = DispatchSemaphore(value: 0)
    Task {
        defer { done.signal() }
        let form = S3PostForm(body: body, boundary: "xYzZY")
        do {
            _ = try await form.readFields()
            var fileBytes = 0
            while let b = try await form.nextFileBytes() { fileBytes += b.readableBytes }
            precondition(fileBytes <= count)
            try await form.drain()
        } catch is S3Error {
        } catch {
            preconditionFailure("not an S3 error: \(error)")
        }
    }
    done.wait()
    return 0
}

private struct Pieces: AsyncSequence, Sendable {
    let pieces: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { rest.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: pieces[...]) }
}
