/// A ``ByteChunk`` that file reads can fill: reads hand out chunks in the storage their caller picks, so a
/// door can have chunk bytes read straight into its transport's buffers instead of copied there once more.
public protocol FillableByteChunk: ByteChunk {
    /// `count` bytes, every one of them written by `fill`.
    init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws
    var count: Int { get }
    /// Bytes `range` of this chunk, sharing its storage where the type can.
    func slice(_ range: Range<Int>) -> Self
}

extension FillableByteChunk {
    /// A copy of `bytes`.
    public init(copying bytes: UnsafeRawBufferPointer) {
        // `fill` cannot throw here.
        self = try! Self(count: bytes.count) { $0.copyMemory(from: bytes) }
    }
}

extension Array: FillableByteChunk where Element == UInt8 {
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        // Uninitialized: `fill` overwrites every byte, so zeroing megabytes first would be wasted work.
        self = try [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            try fill(UnsafeMutableRawBufferPointer(buf))
            initialized = count
        }
    }

    public func slice(_ range: Range<Int>) -> [UInt8] { Array(self[range]) }
}
