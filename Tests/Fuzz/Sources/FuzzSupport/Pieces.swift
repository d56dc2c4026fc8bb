public import NIOCore

/// The input after its first byte, cut into buffers of 1 to `maxPiece` bytes as that byte says: a parser fed these
/// meets its tokens split at every place the network may split them.
public func pieces(of input: UnsafeRawBufferPointer, maxPiece: Int) -> [ByteBuffer] {
    guard let first = input.first else { return [] }
    let step = Int(first) % maxPiece + 1
    return stride(from: 1, to: input.count, by: step).map { ByteBuffer(bytes: input[$0..<min(input.count, $0 + step)]) }
}
