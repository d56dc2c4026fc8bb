import Foundation
import Logging
import PFS
import PFSClient
import PFSGRPCServer
import PFSRemote
import Testing

/// An in-process gRPC server on a fresh data directory, on a free port of 127.0.0.1.
final class TestServer: Sendable {
    let local: LocalPFSClient
    let directory: String
    let port: Int
    private let server: PFSGRPCServer
    private let task: Task<Void, any Error>

    init(port: Int = 0, local: LocalPFSClient? = nil, directory: String? = nil) async throws {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pachs3-remote-\(UUID().uuidString)").path
        self.directory = dir
        let local = try local ?? LocalPFSClient(dataDirectory: dir)
        self.local = local
        let server = try PFSGRPCServer(client: local, host: "127.0.0.1", port: port, logger: Logger(label: "test"))
        self.server = server
        task = Task { try await server.serve() }
        guard let bound = try await server.listeningPort() else { throw PFSError.io("the test server did not start") }
        self.port = bound
    }

    /// A client of this server.
    func client(token: String? = nil) throws -> RemotePFSClient { try RemotePFSClient(host: "127.0.0.1", port: port, token: token) }

    /// Stops serving (RPCs in flight finish) and waits for the server to end.
    func stop() async throws {
        server.beginGracefulShutdown()
        try await task.value
    }

    /// Stops and removes the data directory.
    func close() async throws {
        try await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A body that yields `pieces` then fails, as a client whose source breaks in the middle.
struct BrokenBody: AsyncSequence {
    typealias Element = [UInt8]
    let pieces: [[UInt8]]

    struct AsyncIterator: AsyncIteratorProtocol {
        var rest: [[UInt8]]
        mutating func next() async throws -> [UInt8]? {
            if rest.isEmpty { throw PFSError.io("the source broke") }
            return rest.removeFirst()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rest: pieces) }
}
