import Foundation
import Hummingbird
import Logging
import S3Gateway

extension S3Gateway {
    /// The gateway's application. Once it listens it prints the line tests and scripts wait for, which names
    /// `origin` (where the data comes from).
    func listeningApplication(host: String, secure: Bool, origin: String, logger: Logger) throws -> any ApplicationProtocol {
        let scheme = secure ? "https" : "http"
        do {
            return try application(logger: logger) { bound in
                let line = "pachs3 S3 gateway listening on \(scheme)://\(ListeningService.authority(host, bound)) (\(origin))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        } catch {
            throw CLIError("cannot set up TLS: \(error)")
        }
    }
}
