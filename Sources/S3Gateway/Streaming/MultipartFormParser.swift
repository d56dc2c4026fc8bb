import NIOCore

/// A streaming `multipart/form-data` parser (RFC 2046 §5.1, RFC 7578): feed it the body as it arrives and
/// take the events it found. Part bodies come out as slices of the input, never gathered whole.
///
/// Written here instead of taken from MultipartKit, whose parser (4.7.1) traps on a byte over 127 in a part
/// header's name: `make fuzz` found that any anonymous POST could bring the server down with one byte.
struct MultipartFormParser {
    enum Event: Equatable {
        case header(name: String, value: String)
        /// Bytes of the current part's body, in order.
        case body(ByteBuffer)
        case partComplete
    }

    enum Failure: Error, Equatable {
        case malformed(String)
    }

    private enum State {
        /// Before the first delimiter: ignored.
        case preamble
        /// After a delimiter: `--` closes the body, otherwise optional whitespace and CRLF start a part.
        case afterDelimiter
        case headers
        case body
        /// After the close delimiter: ignored.
        case epilogue
    }

    /// A part header line may be at most this long (MultipartKit had no bound at all).
    static let maxHeaderLine = 8 * 1024

    /// `\r\n--boundary`: what ends a part's body. The first delimiter may come without the CRLF.
    private let delimiter: [UInt8]
    private var state = State.preamble
    private var held = ByteBuffer()
    /// Nothing of the body has been passed over yet: only here may the first delimiter come without its CRLF.
    private var atBodyStart = true

    /// Whether the close delimiter has been read.
    var isComplete: Bool { if case .epilogue = state { true } else { false } }

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    mutating func feed(_ input: ByteBuffer) throws(Failure) -> [Event] {
        if case .epilogue = state { return [] }
        if held.readableBytes == 0 {
            held = input
        } else {
            var input = input
            held.writeBuffer(&input)
        }
        var events: [Event] = []
        while try step(&events) {}
        if held.readerIndex > 64 * 1024 { held.discardReadBytes() }
        return events
    }

    /// Consumes what it can of `held` in the current state; false when it needs more input.
    private mutating func step(_ events: inout [Event]) throws(Failure) -> Bool {
        switch state {
        case .epilogue:
            held.clear()
            return false
        case .preamble:
            if atBodyStart {
                let bare = delimiter.dropFirst(2)
                let view = held.readableBytesView
                if view.count < bare.count, bare.starts(with: view) { return false }
                atBodyStart = false
                if view.starts(with: bare) {
                    held.moveReaderIndex(forwardBy: bare.count)
                    state = .afterDelimiter
                    return true
                }
            }
            if let at = find(delimiter) {
                held.moveReaderIndex(to: at + delimiter.count)
                state = .afterDelimiter
                return true
            }
            // Keep what may be the start of a delimiter.
            let keep = delimiter.count - 1
            if held.readableBytes > keep { held.moveReaderIndex(forwardBy: held.readableBytes - keep) }
            return false
        case .afterDelimiter:
            guard held.readableBytes >= 2 else { return false }
            if held.readableBytesView.starts(with: "--".utf8) {
                state = .epilogue
                return true
            }
            guard let line = try readLine() else { return false }
            // Transport padding: whitespace may follow a delimiter.
            guard line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { throw .malformed("text after a boundary") }
            state = .headers
            return true
        case .headers:
            guard let line = try readLine() else { return false }
            if line.isEmpty {
                state = .body
                return true
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0, line[..<colon].allSatisfy(Self.isTokenByte) else {
                throw .malformed("a part header line is not 'name: value'")
            }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            events.append(.header(name: String(decoding: line[..<colon], as: UTF8.self), value: value))
            return true
        case .body:
            if let at = find(delimiter) {
                if at > held.readerIndex { events.append(.body(held.readSlice(length: at - held.readerIndex)!)) }
                held.moveReaderIndex(forwardBy: delimiter.count)
                events.append(.partComplete)
                state = .afterDelimiter
                return true
            }
            // All but what may be the start of the delimiter is the part's.
            let safe = held.readableBytes - (delimiter.count - 1)
            if safe > 0 { events.append(.body(held.readSlice(length: safe)!)) }
            return false
        }
    }

    /// A whole `\r\n`-ended line, without its end; nil until it has arrived.
    private mutating func readLine() throws(Failure) -> [UInt8]? {
        let view = held.readableBytesView
        guard let lf = view.firstIndex(of: 0x0A) else {
            if view.count > Self.maxHeaderLine { throw .malformed("a part header line is longer than 8 KiB") }
            return nil
        }
        guard lf > view.startIndex, view[lf - 1] == 0x0D else { throw .malformed("a line does not end with CRLF") }
        guard lf - view.startIndex <= Self.maxHeaderLine else { throw .malformed("a part header line is longer than 8 KiB") }
        let line = Array(view[view.startIndex..<(lf - 1)])
        held.moveReaderIndex(to: lf + 1)
        return line
    }

    /// The reader-relative index of the first `pattern` in the held bytes.
    private func find(_ pattern: [UInt8]) -> Int? {
        held.withUnsafeReadableBytes { raw -> Int? in
            let n = pattern.count
            guard raw.count >= n else { return nil }
            let first = pattern[0]
            var i = 0
            while i <= raw.count - n {
                guard let at = raw[i...(raw.count - n)].firstIndex(of: first) else { return nil }
                if (1..<n).allSatisfy({ raw[at + $0] == pattern[$0] }) { return held.readerIndex + at }
                i = at + 1
            }
            return nil
        }
    }

    /// RFC 7230 `tchar`: the bytes a header name may have.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
