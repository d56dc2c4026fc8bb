public import PFS

/// A file looked up once: what ``PFSClient/inspectFile(_:path:)`` returns, and reads of exactly
/// that version, however the ref's branch moves afterwards.
public struct OpenedFile: Sendable {
    /// The file or directory found, as ``PFSClient/inspectFile(_:path:)`` reports it.
    public let info: FileInfo
    private let reader: @Sendable (UInt64, UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error>

    /// A file found as `info`, whose bytes `reader` streams from an offset, at most a length (nil: to the end).
    public init(info: FileInfo, reader: @escaping @Sendable (_ offset: UInt64, _ length: UInt64?) async throws -> AsyncThrowingStream<[UInt8], any Error>) {
        self.info = info
        self.reader = reader
    }

    /// Streams the bytes of the version found, from `offset`, at most `length` bytes (nil: to the end).
    /// Fails for a directory, as ``PFSClient/getFile(_:path:offset:length:)`` does.
    public func read(offset: UInt64 = 0, length: UInt64? = nil) async throws -> AsyncThrowingStream<[UInt8], any Error> {
        try await reader(offset, length)
    }
}
