public import Foundation

/// The conditional headers of a request — `If-Match`, `If-None-Match`, `If-Modified-Since`,
/// `If-Unmodified-Since`, or their `x-amz-copy-source-if-*` twins on a copy — and their evaluation
/// with RFC 9110 precedence, as S3 applies it to GET and HEAD:
///
/// 1. `If-Match` false → 412; when `If-Match` is present, `If-Unmodified-Since` is not looked at
///    (so If-Match true + If-Unmodified-Since false → 200).
/// 2. otherwise `If-Unmodified-Since` false → 412.
/// 3. `If-None-Match` false → 304; when it is present, `If-Modified-Since` is not looked at
///    (so If-None-Match false + If-Modified-Since true → 304).
/// 4. otherwise `If-Modified-Since` false → 304.
///
/// ETags compare with or without quotes; a `W/` tag never satisfies `If-Match` (strong comparison)
/// and compares weakly for `If-None-Match`; `*` matches any existing object. Dates have one-second
/// resolution; an unparseable date is ignored, as HTTP requires.
public struct Conditionals: Sendable, Hashable {
    /// The result of evaluating the conditions.
    public enum Outcome: Sendable, Hashable {
        /// Serve the request.
        case proceed
        /// 304 Not Modified (reads only).
        case notModified
        /// 412 Precondition Failed; the associated value names the failed header.
        case preconditionFailed(String)

        /// The error to answer, or nil for ``proceed``.
        public var error: S3Error? {
            switch self {
            case .proceed: return nil
            case .notModified: return .notModified()
            case .preconditionFailed(let header): return .preconditionFailed(condition: header)
            }
        }
    }

    /// One entry of an `If-Match` / `If-None-Match` list.
    public struct EntityTag: Sendable, Hashable {
        /// The tag without quotes, or `*`.
        public var tag: String
        /// Written with `W/`.
        public var weak: Bool

        public init(_ tag: String, weak: Bool = false) {
            self.tag = tag
            self.weak = weak
        }

        public var isWildcard: Bool { tag == "*" && !weak }

        /// Parses a comma-separated list of entity tags, quoted or not; empty entries are skipped.
        public static func parseList(_ header: String) -> [EntityTag] {
            header.split(separator: ",").compactMap { item in
                var s = Substring(item.trimmingCharacters(in: .whitespaces))
                var weak = false
                if s.hasPrefix("W/") || s.hasPrefix("w/") {
                    weak = true
                    s = s.dropFirst(2)
                }
                if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = s.dropFirst().dropLast() }
                return s.isEmpty ? nil : EntityTag(String(s), weak: weak)
            }
        }
    }

    /// nil when the header is absent (or lists nothing).
    public var ifMatch: [EntityTag]?
    public var ifNoneMatch: [EntityTag]?
    /// nil when absent or not a valid HTTP date.
    public var ifModifiedSince: Date?
    public var ifUnmodifiedSince: Date?
    /// The conditions came from `x-amz-copy-source-if-*` (they name the copy source).
    public var isCopySource: Bool

    /// Conditions from raw header values.
    public init(ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: String? = nil, ifUnmodifiedSince: String? = nil, isCopySource: Bool = false) {
        self.ifMatch = ifMatch.map(EntityTag.parseList).flatMap { $0.isEmpty ? nil : $0 }
        self.ifNoneMatch = ifNoneMatch.map(EntityTag.parseList).flatMap { $0.isEmpty ? nil : $0 }
        self.ifModifiedSince = ifModifiedSince.flatMap(S3Time.parseHTTPDate)
        self.ifUnmodifiedSince = ifUnmodifiedSince.flatMap(S3Time.parseHTTPDate)
        self.isCopySource = isCopySource
    }

    /// The `If-*` conditions of a request; `headers` looks up a lower-cased header name.
    public init(headers: (String) -> String?) {
        self.init(
            ifMatch: headers("if-match"), ifNoneMatch: headers("if-none-match"),
            ifModifiedSince: headers("if-modified-since"), ifUnmodifiedSince: headers("if-unmodified-since")
        )
    }

    /// The `x-amz-copy-source-if-*` conditions of a copy, which apply to the source object.
    public init(copySourceHeaders headers: (String) -> String?) {
        self.init(
            ifMatch: headers("x-amz-copy-source-if-match"), ifNoneMatch: headers("x-amz-copy-source-if-none-match"),
            ifModifiedSince: headers("x-amz-copy-source-if-modified-since"),
            ifUnmodifiedSince: headers("x-amz-copy-source-if-unmodified-since"), isCopySource: true
        )
    }

    /// Whether no condition is set.
    public var isEmpty: Bool { ifMatch == nil && ifNoneMatch == nil && ifModifiedSince == nil && ifUnmodifiedSince == nil }

    /// Evaluates the conditions for a GET or HEAD of an existing object (a missing object is
    /// NoSuchKey whatever the conditions).
    public func evaluateRead(etag: String, lastModified: Date) -> Outcome {
        let modified = S3Time.seconds(lastModified)
        if let ifMatch {
            if !Self.matches(ifMatch, etag: etag, weakly: false) { return .preconditionFailed(name("If-Match")) }
        } else if let date = ifUnmodifiedSince, modified > S3Time.seconds(date) {
            return .preconditionFailed(name("If-Unmodified-Since"))
        }
        if let ifNoneMatch {
            if Self.matches(ifNoneMatch, etag: etag, weakly: true) { return .notModified }
        } else if let date = ifModifiedSince, modified <= S3Time.seconds(date) {
            return .notModified
        }
        return .proceed
    }

    /// Evaluates `x-amz-copy-source-if-*` against the source object: as ``evaluateRead(etag:lastModified:)``
    /// but every failure is 412, since a copy has no 304.
    public func evaluateCopySource(etag: String, lastModified: Date) -> Outcome {
        switch evaluateRead(etag: etag, lastModified: lastModified) {
        case .notModified:
            return .preconditionFailed(name(ifNoneMatch != nil ? "If-None-Match" : "If-Modified-Since"))
        case let other:
            return other
        }
    }

    /// Checks the conditions of a write (PutObject, CopyObject's destination, CompleteMultipartUpload)
    /// against the current object, nil when `key` does not exist. S3 supports only `If-None-Match: *`
    /// (412 if the key exists) and `If-Match` (412 on another ETag, NoSuchKey if the key is absent);
    /// another `If-None-Match` is NotImplemented. Date conditions do not apply to writes.
    public func checkWrite(currentETag: String?, key: String) throws(S3Error) {
        if let ifNoneMatch {
            guard ifNoneMatch.count == 1, ifNoneMatch[0].isWildcard else { throw .notImplemented(header: "If-None-Match") }
            if currentETag != nil { throw .preconditionFailed(condition: "If-None-Match") }
        }
        if let ifMatch {
            guard let currentETag else { throw .noSuchKey(key) }
            if !Self.matches(ifMatch, etag: currentETag, weakly: false) { throw .preconditionFailed(condition: "If-Match") }
        }
    }

    /// Whether `etag` (quoted or not) is in `list`; `*` matches anything.
    static func matches(_ list: [EntityTag], etag: String, weakly: Bool) -> Bool {
        let bare = etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
        return list.contains { t in
            if t.isWildcard { return true }
            if t.weak && !weakly { return false }
            return t.tag == bare
        }
    }

    func name(_ header: String) -> String { isCopySource ? "x-amz-copy-source-" + header.lowercased() : header }
}
