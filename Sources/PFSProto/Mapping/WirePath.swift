/// Pachyderm's file paths start with `/`; a pachs3 file's path is its S3 key. `/a/b` is key `a/b`.
public enum WirePath {
    /// The key of a Pachyderm path: one leading `/` dropped.
    public static func key(_ path: String) -> String { path.hasPrefix("/") ? String(path.dropFirst()) : path }

    /// The Pachyderm path of a key.
    public static func path(_ key: String) -> String { "/" + key }
}
