/// Joins the CRCs of two consecutive pieces into the CRC of both, from the second piece's length
/// alone (zlib's `crc32_combine`, for any reflected CRC whose initial value and final XOR are all
/// ones: CRC-32, CRC-32C, CRC-64/NVME). A multipart upload's whole-object CRC is made this way from
/// its parts' CRCs, without reading the parts again.
enum CRCCombine<Word: FixedWidthInteger & UnsignedInteger> {
    /// The CRC of `a` followed by `b`, where `crcA`, `crcB` are their CRCs and `lengthB` the bytes of `b`.
    static func combine(_ crcA: Word, _ crcB: Word, lengthB: UInt64, polynomial: Word) -> Word {
        guard lengthB > 0 else { return crcA }
        let width = Word.bitWidth
        // `odd` advances the CRC register over one zero bit; squaring doubles the bits a matrix advances.
        var odd = [Word](repeating: 0, count: width)
        odd[0] = polynomial
        for n in 1..<width { odd[n] = Word(1) << (n - 1) }
        var even = square(odd)  // 2 bits
        odd = square(even)  // 4 bits
        var crc = crcA
        var length = lengthB
        // Each round first makes the operator for the next power-of-two count of zero bytes (8, 16, 32, … bits).
        repeat {
            even = square(odd)
            if length & 1 != 0 { crc = times(even, crc) }
            length >>= 1
            if length == 0 { break }
            odd = square(even)
            if length & 1 != 0 { crc = times(odd, crc) }
            length >>= 1
        } while length != 0
        return crc ^ crcB
    }

    private static func times(_ matrix: [Word], _ vector: Word) -> Word {
        var sum: Word = 0
        var v = vector
        var i = 0
        while v != 0 {
            if v & 1 != 0 { sum ^= matrix[i] }
            v >>= 1
            i += 1
        }
        return sum
    }

    private static func square(_ m: [Word]) -> [Word] { m.map { times(m, $0) } }
}
