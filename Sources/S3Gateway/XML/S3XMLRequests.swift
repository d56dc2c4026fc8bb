/// Parsers of the S3 XML request bodies. Each throws ``S3Error/malformedXML()`` for a body that is
/// not well-formed, too large, has an unknown or repeated element, misses a required one, or holds a
/// bad value; the namespace (or its absence) is not checked, as S3 does not.
public enum S3XMLRequests {
    /// The body size limit S3 applies to these documents (1 MiB).
    public static let defaultSizeLimit = 1 << 20
    /// The most objects one DeleteObjects request may name.
    public static let maxDeleteObjects = 1000
    /// The highest multipart part number.
    public static let maxPartNumber = 10_000

    /// A CompleteMultipartUpload body.
    public struct CompleteMultipartUpload: Sendable, Hashable {
        /// One `<Part>`.
        public struct Part: Sendable, Hashable {
            public var partNumber: Int
            /// The ETag with surrounding quotes removed.
            public var etag: String
            /// `<Checksum{CRC32,CRC32C,CRC64NVME,SHA1,SHA256}>` values given for the part.
            public var checksums: [S3Checksum]

            public init(partNumber: Int, etag: String, checksums: [S3Checksum] = []) {
                self.partNumber = partNumber
                self.etag = etag
                self.checksums = checksums
            }
        }

        /// The parts, in strictly ascending part-number order.
        public var parts: [Part]
    }

    /// A Delete (DeleteObjects) body.
    public struct Delete: Sendable, Hashable {
        /// One `<Object>`.
        public struct Object: Sendable, Hashable {
            /// The key exactly as sent (not trimmed; may be empty, which the handler reports per key).
            public var key: String
            public var versionId: String?
            /// The `<ETag>` of a conditional delete, quotes removed.
            public var etag: String?

            public init(key: String, versionId: String? = nil, etag: String? = nil) {
                self.key = key
                self.versionId = versionId
                self.etag = etag
            }
        }

        /// Quiet mode: report only errors.
        public var quiet: Bool
        /// 1 to 1000 objects, in request order.
        public var objects: [Object]
    }

    /// A PutBucketVersioning body.
    public struct VersioningConfiguration: Sendable, Hashable {
        public enum Status: String, Sendable, Hashable { case enabled = "Enabled", suspended = "Suspended" }
        public enum MfaDelete: String, Sendable, Hashable { case enabled = "Enabled", disabled = "Disabled" }

        public var status: Status?
        public var mfaDelete: MfaDelete?
    }

    /// A CreateBucket body (which may be absent).
    public struct CreateBucketConfiguration: Sendable, Hashable {
        /// The region asked for, if any.
        public var locationConstraint: String?
    }

    /// Parses a CompleteMultipartUpload body. Besides MalformedXML (no parts, a part number that is not
    /// an integer, a missing ETag) it throws InvalidArgument for a part number outside 1…10000 and
    /// InvalidPartOrder when part numbers do not strictly ascend.
    public static func parseCompleteMultipartUpload(_ body: [UInt8], sizeLimit: Int = defaultSizeLimit) throws(S3Error) -> CompleteMultipartUpload {
        let root = try document(body, root: "CompleteMultipartUpload", sizeLimit: sizeLimit, maxElements: 8 * maxPartNumber + 1)
        var parts: [CompleteMultipartUpload.Part] = []
        for child in root.children {
            guard child.name == "Part" else { throw .malformedXML() }
            let fields = try leaves(of: child, allowed: partFields)
            guard let numberText = fields["PartNumber"], let number = Int(trimmed(numberText)) else { throw .malformedXML() }
            guard (1...maxPartNumber).contains(number) else {
                throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive", name: "PartNumber", value: String(number))
            }
            guard let etag = fields["ETag"].map(unquoted), !etag.isEmpty else { throw .malformedXML() }
            let checksums = checksumAlgorithms.compactMap { alg in fields["Checksum" + alg].map { S3Checksum(algorithm: alg, value: trimmed($0)) } }
            if let last = parts.last, last.partNumber >= number { throw .invalidPartOrder() }
            parts.append(.init(partNumber: number, etag: etag, checksums: checksums))
        }
        guard !parts.isEmpty else { throw .malformedXML() }
        return CompleteMultipartUpload(parts: parts)
    }

    /// Parses a Delete body: 1 to ``maxDeleteObjects`` `<Object>`s with a `<Key>` each, and an
    /// optional `<Quiet>`.
    public static func parseDelete(_ body: [UInt8], sizeLimit: Int = defaultSizeLimit) throws(S3Error) -> Delete {
        // Room for a full request plus a little; a larger count fails fast in the parser.
        let root = try document(body, root: "Delete", sizeLimit: sizeLimit, maxElements: 5 * maxDeleteObjects + 8)
        var quiet: Bool?
        var objects: [Delete.Object] = []
        for child in root.children {
            switch child.name {
            case "Quiet":
                guard quiet == nil, child.children.isEmpty else { throw .malformedXML() }
                switch trimmed(child.text).lowercased() {
                case "true": quiet = true
                case "false": quiet = false
                default: throw .malformedXML()
                }
            case "Object":
                guard objects.count < maxDeleteObjects else { throw .malformedXML() }
                let fields = try leaves(of: child, allowed: objectFields)
                guard let key = fields["Key"] else { throw .malformedXML() }
                objects.append(.init(key: key, versionId: fields["VersionId"].map(trimmed), etag: fields["ETag"].map(unquoted)))
            default:
                throw .malformedXML()
            }
        }
        guard !objects.isEmpty else { throw .malformedXML() }
        return Delete(quiet: quiet ?? false, objects: objects)
    }

    /// Parses a PutBucketVersioning body: optional `<Status>` (Enabled, Suspended) and `<MfaDelete>`
    /// (Enabled, Disabled).
    public static func parseVersioningConfiguration(_ body: [UInt8], sizeLimit: Int = defaultSizeLimit) throws(S3Error) -> VersioningConfiguration {
        let root = try document(body, root: "VersioningConfiguration", sizeLimit: sizeLimit, maxElements: 16)
        let fields = try leaves(of: root, allowed: ["Status", "MfaDelete"])
        var config = VersioningConfiguration()
        if let s = fields["Status"] {
            guard let status = VersioningConfiguration.Status(rawValue: trimmed(s)) else { throw .malformedXML() }
            config.status = status
        }
        if let m = fields["MfaDelete"] {
            guard let mfa = VersioningConfiguration.MfaDelete(rawValue: trimmed(m)) else { throw .malformedXML() }
            config.mfaDelete = mfa
        }
        return config
    }

    /// The grants of a PutObjectAcl / PutBucketAcl body (`AccessControlPolicy`): each grantee's canonical ID (nil for
    /// a group or an e-mail grantee) and permission.
    public static func parseAccessControlPolicy(_ body: [UInt8], sizeLimit: Int = 64 * 1024) throws(S3Error) -> [(granteeID: String?, permission: String)] {
        let root = try document(body, root: "AccessControlPolicy", sizeLimit: sizeLimit, maxElements: 1024)
        var grants: [(granteeID: String?, permission: String)] = []
        for list in root.children where list.name == "AccessControlList" {
            for grant in list.children {
                guard grant.name == "Grant" else { throw .malformedXML() }
                let grantee = grant.children.first { $0.name == "Grantee" }
                guard let permission = grant.children.first(where: { $0.name == "Permission" }).map({ trimmed($0.text) }), grantee != nil else {
                    throw .malformedXML()
                }
                grants.append((grantee?.children.first { $0.name == "ID" }.map { trimmed($0.text) }, permission))
            }
        }
        return grants
    }

    /// Parses a CreateBucket body. An empty (or all-whitespace) body is valid and means no constraint.
    /// `<Location>` and `<Bucket>` (directory-bucket settings) are accepted and ignored.
    public static func parseCreateBucketConfiguration(_ body: [UInt8], sizeLimit: Int = defaultSizeLimit) throws(S3Error) -> CreateBucketConfiguration {
        if body.allSatisfy(isXMLSpace) { return CreateBucketConfiguration() }
        let root = try document(body, root: "CreateBucketConfiguration", sizeLimit: sizeLimit, maxElements: 32)
        var constraint: String?
        var seen: Set<String> = []
        for child in root.children {
            guard seen.insert(child.name).inserted else { throw .malformedXML() }
            switch child.name {
            case "LocationConstraint":
                guard child.children.isEmpty else { throw .malformedXML() }
                let c = trimmed(child.text)
                constraint = c.isEmpty ? nil : c
            case "Location", "Bucket":
                break
            default:
                throw .malformedXML()
            }
        }
        return CreateBucketConfiguration(locationConstraint: constraint)
    }

    // MARK: - Helpers

    static let checksumAlgorithms = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]
    static let partFields: Set<String> = Set(["PartNumber", "ETag"] + checksumAlgorithms.map { "Checksum" + $0 })
    static let objectFields: Set<String> = ["Key", "VersionId", "ETag", "LastModifiedTime", "Size"]

    /// The root element of `body`, checked to be named `root` and to hold only whitespace text.
    static func document(_ body: [UInt8], root: String, sizeLimit: Int, maxElements: Int) throws(S3Error) -> XMLTree {
        guard body.count <= sizeLimit, let tree = XMLTree.parse(body, maxElements: maxElements), tree.name == root,
              tree.text.allSatisfy(\.isWhitespace)
        else { throw .malformedXML() }
        return tree
    }

    /// The text of each leaf child of `node`, by name; each must be in `allowed`, appear once and have
    /// no children, and `node` must hold no text of its own but whitespace.
    static func leaves(of node: XMLTree, allowed: Set<String>) throws(S3Error) -> [String: String] {
        guard node.text.allSatisfy(\.isWhitespace) else { throw .malformedXML() }
        var out: [String: String] = [:]
        for c in node.children {
            guard allowed.contains(c.name), c.children.isEmpty, out[c.name] == nil else { throw .malformedXML() }
            out[c.name] = c.text
        }
        return out
    }

    static func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f.isWhitespace { sub.removeFirst() }
        while let l = sub.last, l.isWhitespace { sub.removeLast() }
        return String(sub)
    }

    /// `s` trimmed, without one pair of surrounding double quotes.
    static func unquoted(_ s: String) -> String {
        let t = trimmed(s)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { return String(t.dropFirst().dropLast()) }
        return t
    }

    static func isXMLSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
