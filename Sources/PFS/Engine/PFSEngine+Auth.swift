import Foundation

extension PFSEngine {
    /// Whether authentication is on.
    public func isAuthActive() async throws -> Bool { try await metadata.authActive() }

    /// Turns authentication on and returns the root token. It is shown only here: the store keeps its hash.
    public func activateAuth() async throws -> String {
        let token = Self.newToken()
        try await metadata.setAuth(active: true, rootTokenHash: Digest.of(Array(token.utf8)).bytes)
        return token
    }

    /// Turns authentication off and forgets every token.
    public func deactivateAuth() async throws { try await metadata.setAuth(active: false, rootTokenHash: nil) }

    /// A new token for `subject` (a user or robot name).
    public func issueToken(for subject: String) async throws -> String {
        guard !subject.isEmpty, subject.utf8.count <= 256, !subject.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw PFSError.invalidArgument("subject '\(subject)' must be 1 to 256 characters without spaces")
        }
        let token = Self.newToken()
        try await metadata.putToken(hash: Digest.of(Array(token.utf8)).bytes, subject: subject, created: Date())
        return token
    }

    /// The subject a token belongs to, or nil for an unknown token.
    public func subject(ofToken token: String) async throws -> String? {
        try await metadata.tokenSubject(hash: Digest.of(Array(token.utf8)).bytes)
    }

    /// 32 random bytes in hex.
    static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })
    }
}
