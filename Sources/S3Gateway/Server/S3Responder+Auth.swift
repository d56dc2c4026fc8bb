import Foundation
import HTTPTypes
import Hummingbird
import PFS
import PFSClient
import Synchronization

/// Whether auth is on, read from the store at most once a second.
final class AuthStateCache: Sendable {
    private let state = Mutex<(active: Bool, checked: ContinuousClock.Instant)?>(nil)

    func isActive(_ client: any PFSClient) async throws -> Bool {
        let now = ContinuousClock.now
        if let s = state.withLock({ $0 }), now - s.checked < .seconds(1) { return s.active }
        let active = try await client.isAuthActive()
        state.withLock { $0 = (active, now) }
        return active
    }
}

extension S3Responder {
    /// Checks the request's signature when auth is on: nil when auth is off (credentials are ignored).
    /// Access key = secret key = a token the store knows.
    func authenticate(_ request: Request) async throws -> RequestAuthenticator.Identity? {
        guard try await authState.isActive(client) else { return nil }
        let parser = S3RequestParser(virtualHostDomains: configuration.domain.map { [$0] } ?? [])
        let vhost = request.head.authority.flatMap { parser.virtualHostBucket($0) }
        // HTTP types keep Host apart, as the authority; signatures cover it as the header it was.
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        if let authority = request.head.authority { headers.insert(("host", authority), at: 0) }
        let signed = SignedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers, now: Date(),
            virtualHostBucket: vhost)
        // The token lookup is asynchronous: find the key the request names, look it up, then verify.
        var secret: String?
        if let key = RequestAuthenticator.claimedAccessKey(signed), try await client.subject(ofToken: key) != nil { secret = key }
        let identity = try RequestAuthenticator.authenticate(signed) { $0 == secret ? secret : nil }
        if case .anonymous = identity { throw S3Error.accessDenied() }
        return identity
    }
}
