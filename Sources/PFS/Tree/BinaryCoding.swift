/// A minimal append-only binary writer: varints and length-prefixed byte strings.
struct BinaryWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func signed(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func data(_ d: [UInt8]) {
        varint(UInt64(d.count))
        bytes.append(contentsOf: d)
    }

    // Straight from the string's UTF-8 and the digest's words: a tree leaf encodes hundreds of these per
    // commit, and the intermediate arrays were a visible share of a small PUT's CPU.
    mutating func string(_ s: String) {
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    mutating func digest(_ d: Digest) {
        withUnsafeBytes(of: d.w0.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: d.w1.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: d.w2.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: d.w3.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
}

/// Reads what ``BinaryWriter`` wrote; every read is bounds-checked and throws on malformed input.
struct BinaryReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw PFSError.corrupt("truncated record") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            if shift > 63 { throw PFSError.corrupt("varint too long") }
        }
    }

    /// A varint that counts what follows in these bytes (entries, bytes of a field), so it is at most their number
    /// left: a corrupt count fails here instead of overflowing an index or reserving memory it cannot fill.
    mutating func count() throws -> Int {
        let v = try varint()
        guard v <= UInt64(bytes.count - position) else { throw PFSError.corrupt("count beyond the end of the record") }
        return Int(v)
    }

    /// A varint that must fit an `Int`.
    mutating func int() throws -> Int {
        guard let v = Int(exactly: try varint()) else { throw PFSError.corrupt("number out of range") }
        return v
    }

    mutating func signed() throws -> Int64 {
        let u = try varint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    mutating func data() throws -> [UInt8] { try field { Array($0) } }

    /// Reads a length-prefixed byte string in place, without copying it out.
    mutating func field<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let n = try count()
        defer { position += n }
        let start = position
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<start + n])) }
    }

    // Straight from the node's bytes: an intermediate array doubled the allocations of every decoded entry.
    mutating func string() throws -> String { try field { String(decoding: $0, as: UTF8.self) } }

    mutating func digest() throws -> Digest {
        guard position + 32 <= bytes.count else { throw PFSError.corrupt("truncated digest") }
        defer { position += 32 }
        return bytes.withUnsafeBytes { b in
            func word(_ i: Int) -> UInt64 { UInt64(bigEndian: b.loadUnaligned(fromByteOffset: position + i * 8, as: UInt64.self)) }
            return Digest(w0: word(0), w1: word(1), w2: word(2), w3: word(3))
        }
    }

    mutating func uint32() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw PFSError.corrupt("truncated record") }
        defer { position += 4 }
        return bytes[position..<position + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The varint at `p`, which moves past it; nil when it is cut short or longer than 64 bits.
    /// For checks and lookups on a node's bytes in place, where a ``BinaryReader`` costs too much.
    func varint(at p: inout Int) -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while p < count {
            let byte = self[p]
            p += 1
            v |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return v }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }
}
