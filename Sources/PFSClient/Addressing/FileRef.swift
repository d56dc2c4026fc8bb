public import PFS

/// A file reference as pachctl writes it: `repo@ref:/path` (a missing path means the root).
public struct FileRef: Hashable, Sendable {
    public var commit: CommitRef
    /// The path without its leading `/`.
    public var path: String

    public init(commit: CommitRef, path: String) {
        self.commit = commit
        self.path = path
    }

    public static func parse(_ text: String, project: String = Names.defaultProject) throws -> FileRef {
        var refText = Substring(text)
        var path = ""
        if let at = text.firstIndex(of: "@"), let colon = text[at...].firstIndex(of: ":") {
            refText = text[..<colon]
            path = String(text[text.index(after: colon)...])
        } else if text.firstIndex(of: "@") == nil, let colon = text.firstIndex(of: ":") {
            refText = text[..<colon]
            path = String(text[text.index(after: colon)...])
        }
        while path.hasPrefix("/") { path.removeFirst() }
        return FileRef(commit: try CommitRef.parse(String(refText), project: project), path: path)
    }
}
