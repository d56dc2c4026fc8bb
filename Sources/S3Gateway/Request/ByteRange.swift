/// A single byte range from a `Range: bytes=…` header, resolved against an object's size as S3 does.
///
/// S3 serves one range per request. A header it cannot use — not `bytes=`, malformed, a first byte
/// after the last, or several ranges — is ignored and the whole object is served (200), as RFC 9110
/// allows; a well-formed range that starts at or past the end is 416 InvalidRange.
public enum ByteRange: Sendable, Hashable {
    /// `bytes=first-last` (both inclusive).
    case closed(first: UInt64, last: UInt64)
    /// `bytes=first-`.
    case from(first: UInt64)
    /// `bytes=-length`: the last `length` bytes.
    case suffix(length: UInt64)

    /// The part of an object a range selects.
    public struct Resolved: Sendable, Hashable {
        public var offset: UInt64
        public var length: UInt64
        /// The object size, for `Content-Range`.
        public var size: UInt64

        public init(offset: UInt64, length: UInt64, size: UInt64) {
            self.offset = offset
            self.length = length
            self.size = size
        }

        /// The last byte, inclusive.
        public var last: UInt64 { offset + length - 1 }

        /// `bytes first-last/size`, the `Content-Range` value of a 206 response.
        public var contentRange: String { "bytes \(offset)-\(last)/\(size)" }
    }

    /// Parses a `Range` header value; nil when it is to be ignored (whole object). Numbers too large
    /// for 64 bits saturate, which keeps a huge first byte unsatisfiable and a huge last byte the end.
    public static func parse(_ header: String) -> ByteRange? {
        var text = Substring(header).trimmingSpaces()
        guard text.count >= 6, text.prefix(6).lowercased() == "bytes=" else { return nil }
        text = text.dropFirst(6)
        let spec = trim(text)
        // One range only; `bytes=0-1,` is as multi-range as `bytes=0-1,3-4`.
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let firstText = trim(spec[..<dash])
        let lastText = trim(spec[spec.index(after: dash)...])
        switch (firstText.isEmpty, lastText.isEmpty) {
        case (true, true):
            return nil
        case (true, false):
            return number(lastText).map { .suffix(length: $0) }
        case (false, true):
            return number(firstText).map { .from(first: $0) }
        case (false, false):
            guard let first = number(firstText), let last = number(lastText), first <= last else { return nil }
            return .closed(first: first, last: last)
        }
    }

    /// Resolves the range against an object of `size` bytes: nil to serve the whole object with 200
    /// (a suffix range of an empty object); throws InvalidRange (416) when no byte of the object is
    /// selected: a first byte at or past the end, or a zero-length suffix.
    public func resolve(size: UInt64) throws(S3Error) -> Resolved? {
        switch self {
        case .closed(let first, let last):
            guard first < size else { throw .invalidRange(size: size, requested: headerValue) }
            return Resolved(offset: first, length: min(last, size - 1) - first + 1, size: size)
        case .from(let first):
            guard first < size else { throw .invalidRange(size: size, requested: headerValue) }
            return Resolved(offset: first, length: size - first, size: size)
        case .suffix(let length):
            guard length > 0 else { throw .invalidRange(size: size, requested: headerValue) }
            if size == 0 { return nil }
            let n = min(length, size)
            return Resolved(offset: size - n, length: n, size: size)
        }
    }

    /// Parses and resolves a `Range` header in one step: nil to serve the whole object with 200.
    public static func resolve(header: String?, size: UInt64) throws(S3Error) -> Resolved? {
        guard let header, let range = parse(header) else { return nil }
        return try range.resolve(size: size)
    }

    /// The range as a header value (`bytes=0-99`).
    public var headerValue: String {
        switch self {
        case .closed(let f, let l): return "bytes=\(f)-\(l)"
        case .from(let f): return "bytes=\(f)-"
        case .suffix(let n): return "bytes=-\(n)"
        }
    }

    // MARK: - x-amz-copy-source-range

    /// Parses `x-amz-copy-source-range` (only `bytes=first-last`) and resolves it against the source
    /// object's size. Throws InvalidArgument for another form, or a range not inside the object, as
    /// S3 does for UploadPartCopy.
    public static func resolveCopySourceRange(_ header: String, size: UInt64) throws(S3Error) -> Resolved {
        guard case .closed(let first, let last)? = parse(header) else {
            throw .invalidArgument(
                "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                name: "x-amz-copy-source-range", value: header
            )
        }
        guard last < size else {
            throw .invalidArgument("Range specified is not valid for source object of size: \(size)", name: "x-amz-copy-source-range", value: header)
        }
        return Resolved(offset: first, length: last - first + 1, size: size)
    }

    static func trim(_ s: Substring) -> Substring { s.trimmingSpaces() }

    /// Decimal digits only (no sign); saturates at `UInt64.max`.
    static func number(_ s: Substring) -> UInt64? {
        guard !s.isEmpty else { return nil }
        var n: UInt64 = 0
        for b in s.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            n = o1 || o2 ? .max : a
        }
        return n
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
