import Foundation
import PFS

/// A local file (or stdin) read as an async sequence of 1 MiB pieces, reporting progress.
struct LocalFileStream: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let fd: Int32
    let progress: Progress?

    struct AsyncIterator: AsyncIteratorProtocol {
        let fd: Int32
        let progress: Progress?

        mutating func next() async throws -> [UInt8]? {
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            var filled = 0
            while filled < buf.count {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CLIError("read error: \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                filled += n
            }
            if filled == 0 { return nil }
            buf.removeSubrange(filled...)
            progress?.add(filled)
            return buf
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(fd: fd, progress: progress) }
}

extension Progress: @unchecked Sendable {}
