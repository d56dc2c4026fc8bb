import GRPCCore
import PFSProto
import SwiftProtobuf

/// `versionpb_v2.API`: the SDK's `get_version`. pachs3 reports the Pachyderm API version it speaks.
struct VersionService: VersionpbV2_API.SimpleServiceProtocol {
    func getVersion(request: Google_Protobuf_Empty, context: ServerContext) async throws -> VersionpbV2_Version {
        var v = VersionpbV2_Version()
        v.major = 2
        v.minor = 12
        v.micro = 0
        v.additional = "pachs3"
        v.platform = "swift"
        return v
    }
}
