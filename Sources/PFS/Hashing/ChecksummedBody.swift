/// A body passed through unchanged while a checksum of it is computed; when the body ends, the
/// checksum is put in `result`.
struct ChecksummedBody<Base: AsyncSequence>: AsyncSequence where Base.Element: ByteChunk {
    typealias Element = Base.Element
    let base: Base
    let algorithm: ContentChecksum.Algorithm
    let result: BodyChecksum

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var hasher: ChecksumHasher
        let result: BodyChecksum

        mutating func next() async throws -> Base.Element? {
            guard let piece = try await base.next() else {
                result.value = ContentChecksum(hasher.algorithm, value: hasher.digest)
                return nil
            }
            piece.withUnsafeBytes { hasher.update($0) }
            return piece
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), hasher: algorithm.makeHasher(), result: result)
    }
}
