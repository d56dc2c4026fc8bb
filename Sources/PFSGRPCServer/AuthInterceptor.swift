import GRPCCore
import PFSClient

/// While auth is on, every RPC but GetVersion and Activate needs a valid token in the
/// `authn-token` header, as with Pachyderm.
struct AuthInterceptor: ServerInterceptor {
    let client: any PFSClient

    static let open: Set<String> = ["versionpb_v2.API/GetVersion", "auth_v2.API/Activate", "pachs3_v1.API/GetAuthStatus"]

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = "\(context.descriptor.service.fullyQualifiedService)/\(context.descriptor.method)"
        let active: Bool
        do { active = try await client.isAuthActive() } catch { throw RPCError(error) }
        guard active else { return try await next(request, context) }
        let token = request.metadata[stringValues: "authn-token"].first(where: { _ in true })
        var subject: String?
        if let token, !token.isEmpty {
            do { subject = try await client.subject(ofToken: token) } catch { throw RPCError(error) }
            if subject == nil, !Self.open.contains(method) {
                throw RPCError(code: .unauthenticated, message: "provided auth token is corrupted or has expired (try logging in again)")
            }
        } else if !Self.open.contains(method) {
            throw RPCError(code: .unauthenticated, message: "no authentication token (try logging in)")
        }
        return try await Caller.$subject.withValue(subject) { try await next(request, context) }
    }
}
