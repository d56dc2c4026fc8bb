import GRPCCore
import PFSClient
import PFSProto

/// `auth_v2.API`: Activate, Deactivate, WhoAmI and GetRobotToken over the token store that the S3
/// gateway uses too. While auth is off they fail with the text the SDK looks for.
struct AuthService: AuthV2_API.SimpleServiceProtocol {
    let client: any PFSClient

    static let notActivated = "the auth service is not activated"

    func activate(request: AuthV2_ActivateRequest, context: ServerContext) async throws -> AuthV2_ActivateResponse {
        try await mapped {
            guard request.rootToken.isEmpty else {
                throw RPCError(code: .invalidArgument, message: "pachs3 makes the root token itself: leave root_token empty")
            }
            guard try await !client.isAuthActive() else { throw RPCError(code: .alreadyExists, message: "the auth service is already activated") }
            var response = AuthV2_ActivateResponse()
            response.pachToken = try await client.activateAuth()
            return response
        }
    }

    func deactivate(request: AuthV2_DeactivateRequest, context: ServerContext) async throws -> AuthV2_DeactivateResponse {
        try await mapped {
            try await requireActive()
            guard Caller.subject == "pach:root" else {
                throw RPCError(code: .permissionDenied, message: "only the root token can deactivate auth")
            }
            try await client.deactivateAuth()
            return AuthV2_DeactivateResponse()
        }
    }

    func whoAmI(request: AuthV2_WhoAmIRequest, context: ServerContext) async throws -> AuthV2_WhoAmIResponse {
        try await mapped {
            try await requireActive()
            var response = AuthV2_WhoAmIResponse()
            response.username = Caller.subject ?? ""
            return response
        }
    }

    func getRobotToken(request: AuthV2_GetRobotTokenRequest, context: ServerContext) async throws -> AuthV2_GetRobotTokenResponse {
        try await mapped {
            try await requireActive()
            guard Caller.subject == "pach:root" else {
                throw RPCError(code: .permissionDenied, message: "only the root token can make robot tokens")
            }
            guard !request.robot.isEmpty else { throw RPCError(code: .invalidArgument, message: "GetRobotToken needs a robot name") }
            guard request.ttl == 0 else { throw RPCError(code: .invalidArgument, message: "pachs3 tokens do not expire: leave ttl at 0") }
            var response = AuthV2_GetRobotTokenResponse()
            response.token = try await client.issueToken(for: "robot:\(request.robot)")
            return response
        }
    }

    private func requireActive() async throws {
        guard try await client.isAuthActive() else { throw RPCError(code: .unimplemented, message: Self.notActivated) }
    }
}
