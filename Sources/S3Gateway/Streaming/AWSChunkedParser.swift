import NIOCore

/// Decodes an `aws-chunked` body (`STREAMING-*` payloads): `hex-size[;chunk-signature=sig]\r\n data \r\n … 0…\r\n`
/// followed by optional trailer lines and an empty line. A pure state machine: feed it bytes, take the data.
struct AWSChunkedParser {
    /// One chunk's header as sent, for signature checks.
    struct ChunkHeader: Equatable {
        var size: Int
        var signature: String?
    }

    private enum State {
        case header
        case data(remaining: Int)
        case dataEnd
        case trailers
        case done
    }

    private var state = State.header
    private var line: [UInt8] = []
    /// Whether chunk headers are kept for ``nextHeader()`` (to check chunk signatures); otherwise none are.
    let keepsHeaders: Bool
    /// The kept headers not yet taken, from `headersTaken` on: a body of many small chunks would otherwise
    /// grow them past the size of the body itself.
    private var headers: [ChunkHeader] = []
    private var headersTaken = 0
    private var trailerBytes = 0
    /// Trailer fields, names lower-cased.
    private(set) var trailers: [(name: String, value: String)] = []
    private(set) var decodedLength: UInt64 = 0

    static let maxLine = 8 * 1024
    /// The trailer section may hold at most this many bytes (S3 sends a checksum and a signature).
    static let maxTrailerBytes = 16 * 1024

    init(keepsHeaders: Bool = false) {
        self.keepsHeaders = keepsHeaders
    }

    /// The header of the next chunk whose data the caller has not checked yet, oldest first.
    mutating func nextHeader() -> ChunkHeader? {
        guard headersTaken < headers.count else { return nil }
        defer {
            headersTaken += 1
            if headersTaken == headers.count {
                headers.removeAll(keepingCapacity: true)
                headersTaken = 0
            }
        }
        return headers[headersTaken]
    }

    var isComplete: Bool { if case .done = state { return true } else { return false } }

    /// Consumes `input` and returns the payload bytes it held.
    mutating func feed(_ input: ByteBuffer) throws(S3Error) -> [ByteBuffer] {
        var input = input
        var out: [ByteBuffer] = []
        while input.readableBytes > 0 {
            switch state {
            case .done:
                throw S3Error.incompleteBody().replacingMessage("data after the end of the aws-chunked body")
            case .data(let remaining):
                let n = min(remaining, input.readableBytes)
                out.append(input.readSlice(length: n)!)
                decodedLength += UInt64(n)
                state = remaining == n ? .dataEnd : .data(remaining: remaining - n)
            case .dataEnd:
                guard let l = try readLine(&input) else { continue }
                guard l.isEmpty else { throw Self.malformed("a chunk is longer than its declared size") }
                state = .header
            case .header:
                guard let l = try readLine(&input) else { continue }
                let header = try Self.parseHeader(l)
                if keepsHeaders { headers.append(header) }
                state = header.size == 0 ? .trailers : .data(remaining: header.size)
            case .trailers:
                guard let l = try readLine(&input) else { continue }
                if l.isEmpty {
                    state = .done
                    continue
                }
                trailerBytes += l.count + 2
                guard trailerBytes <= Self.maxTrailerBytes else { throw Self.malformed("the trailers are larger than 16 KiB") }
                guard let colon = l.firstIndex(of: UInt8(ascii: ":")) else { throw Self.malformed("a trailer line has no ':'") }
                let name = String(decoding: l[..<colon], as: UTF8.self).lowercased().trimmingSpaces()
                let value = String(decoding: l[(colon + 1)...], as: UTF8.self).trimmingSpaces()
                trailers.append((name, value))
            }
        }
        return out
    }

    /// Called at the end of the raw body.
    func finish() throws(S3Error) {
        guard isComplete else { throw S3Error.incompleteBody().replacingMessage("the aws-chunked body ended before its final chunk") }
    }

    private mutating func readLine(_ input: inout ByteBuffer) throws(S3Error) -> [UInt8]? {
        while let b = input.readInteger(as: UInt8.self) {
            if b == UInt8(ascii: "\n") {
                guard line.last == UInt8(ascii: "\r") else { throw Self.malformed("a line does not end with CRLF") }
                let l = Array(line.dropLast())
                line.removeAll(keepingCapacity: true)
                return l
            }
            line.append(b)
            if line.count > Self.maxLine { throw Self.malformed("a chunk header line is too long") }
        }
        return nil
    }

    static func parseHeader(_ l: [UInt8]) throws(S3Error) -> ChunkHeader {
        var sizePart = l[...]
        var signature: String?
        if let semi = l.firstIndex(of: UInt8(ascii: ";")) {
            sizePart = l[..<semi]
            let ext = String(decoding: l[(semi + 1)...], as: UTF8.self)
            let prefix = "chunk-signature="
            guard ext.hasPrefix(prefix) else { throw malformed("unknown chunk extension '\(ext)'") }
            signature = String(ext.dropFirst(prefix.count))
        }
        guard !sizePart.isEmpty, sizePart.count <= 16, let size = Int(String(decoding: sizePart, as: UTF8.self), radix: 16), size >= 0 else {
            throw malformed("bad chunk size '\(String(decoding: sizePart, as: UTF8.self))'")
        }
        return ChunkHeader(size: size, signature: signature)
    }

    static func malformed(_ detail: String) -> S3Error {
        S3Error.invalidRequest("Malformed aws-chunked body: \(detail)")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}

extension S3Error {
    /// The same error with a more specific message.
    func replacingMessage(_ message: String) -> S3Error {
        var e = self
        e.message = message
        return e
    }
}
