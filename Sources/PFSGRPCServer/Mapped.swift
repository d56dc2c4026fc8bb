import GRPCCore

/// Runs `body`, turning the client API's errors into the statuses Pachyderm's clients expect.
func mapped<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch { throw RPCError(error) }
}
