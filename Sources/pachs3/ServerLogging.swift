import Logging

/// Logging for the long-running commands (`serve`, `s3gateway`): one stream to standard output at `level`.
enum ServerLogging {
    static func bootstrap(level name: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: name) else { throw CLIError("unknown log level '\(name)'") }
        LoggingSystem.bootstrap { label in
            var h = ServerLogHandler(label: label)
            h.logLevel = level
            return h
        }
        return Logger(label: "pachs3")
    }
}
