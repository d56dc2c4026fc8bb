/// A repo within a project.
public struct RepoID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var project: String
    public var name: String

    public init(_ name: String, project: String = Names.defaultProject) {
        self.project = project
        self.name = name
    }

    /// `name` in the default project, `project/name` otherwise (pachctl's notation).
    public var description: String { project == Names.defaultProject ? name : "\(project)/\(name)" }

    public static func < (a: RepoID, b: RepoID) -> Bool { (a.project, a.name) < (b.project, b.name) }

    /// Throws unless the project and repo names are valid.
    public func validate() throws {
        try Names.validate(project, kind: "project")
        try Names.validate(name, kind: "repo")
    }
}
