internal import CLibDeflate

/// CRC-32 (IEEE, as zlib and S3's `x-amz-checksum-crc32`), by libdeflate.
struct CRC32: Sendable {
    private(set) var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        value = libdeflate_crc32(value, base, bytes.count)
    }
}
