/// A DeleteObjects response: `<DeleteResult>` with a `<Deleted>` per removed object (unless quiet)
/// and an `<Error>` per failure.
public struct S3DeleteResult: Sendable, Hashable {
    /// One deleted object.
    public struct Deleted: Sendable, Hashable {
        public var key: String
        public var versionId: String?
        /// Written when set: whether the delete made (or removed) a delete marker.
        public var deleteMarker: Bool?
        public var deleteMarkerVersionId: String?

        public init(key: String, versionId: String? = nil, deleteMarker: Bool? = nil, deleteMarkerVersionId: String? = nil) {
            self.key = key
            self.versionId = versionId
            self.deleteMarker = deleteMarker
            self.deleteMarkerVersionId = deleteMarkerVersionId
        }
    }

    /// One object that could not be deleted.
    public struct Failure: Sendable, Hashable {
        public var key: String
        public var versionId: String?
        public var code: String
        public var message: String

        public init(key: String, versionId: String? = nil, code: String, message: String) {
            self.key = key
            self.versionId = versionId
            self.code = code
            self.message = message
        }

        /// The failure for `key` that `error` describes.
        public init(key: String, versionId: String? = nil, error: S3Error) {
            self.init(key: key, versionId: versionId, code: error.code, message: error.message)
        }
    }

    public var deleted: [Deleted]
    public var errors: [Failure]
    /// Quiet mode (`<Quiet>true</Quiet>` in the request): only errors are written.
    public var quiet: Bool

    public init(deleted: [Deleted], errors: [Failure] = [], quiet: Bool = false) {
        self.deleted = deleted
        self.errors = errors
        self.quiet = quiet
    }

    /// The XML body: Deleted{Key, VersionId, DeleteMarker, DeleteMarkerVersionId}…, then
    /// Error{Key, VersionId, Code, Message}….
    public func xml() -> [UInt8] {
        var w = XMLWriter(capacity: 256 + deleted.count * 96 + errors.count * 160)
        w.declaration()
        w.element("DeleteResult", xmlns: S3XMLResponses.namespace) { w in
            if !quiet {
                for d in deleted {
                    w.element("Deleted") { w in
                        w.element("Key", d.key)
                        w.optionalElement("VersionId", d.versionId)
                        if let m = d.deleteMarker { w.element("DeleteMarker", m) }
                        w.optionalElement("DeleteMarkerVersionId", d.deleteMarkerVersionId)
                    }
                }
            }
            for e in errors {
                w.element("Error") { w in
                    w.element("Key", e.key)
                    w.optionalElement("VersionId", e.versionId)
                    w.element("Code", e.code)
                    w.element("Message", e.message)
                }
            }
        }
        return w.bytes
    }
}
