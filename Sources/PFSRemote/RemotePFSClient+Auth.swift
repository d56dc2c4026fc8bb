public import Foundation
import GRPCCore
public import PFS
import PFSClient
import PFSProto
import SwiftProtobuf

extension RemotePFSClient {
    public func isAuthActive() async throws -> Bool {
        try await call { try await pachs3.getAuthStatus(Google_Protobuf_Empty(), metadata: metadata, options: options) }.active
    }

    public func activateAuth() async throws -> String {
        try await call { try await auth.activate(AuthV2_ActivateRequest(), metadata: metadata, options: options) }.pachToken
    }

    public func deactivateAuth() async throws {
        _ = try await call { try await auth.deactivate(AuthV2_DeactivateRequest(), metadata: metadata, options: options) }
    }

    public func issueToken(for subject: String) async throws -> String {
        try await call { try await pachs3.issueToken(.with { $0.subject = subject }, metadata: metadata, options: options) }.token
    }

    public func subject(ofToken token: String) async throws -> String? {
        let r = try await call { try await pachs3.tokenSubject(.with { $0.token = token }, metadata: metadata, options: options) }
        return r.hasSubject ? r.subject : nil
    }

    public func garbageCollect(grace: TimeInterval) async throws -> GCReport {
        try await call { try await pachs3.garbageCollect(.with { $0.graceSeconds = grace }, metadata: metadata, options: options) }.model()
    }

    public func checkIntegrity() async throws -> IntegrityReport {
        try await call { try await pachs3.checkIntegrity(Google_Protobuf_Empty(), metadata: metadata, options: options) }.model()
    }

    public func storageSpace() async throws -> StorageSpace? {
        try await call { try await pachs3.getStorageSpace(Google_Protobuf_Empty(), metadata: metadata, options: options) }.model()
    }
}
