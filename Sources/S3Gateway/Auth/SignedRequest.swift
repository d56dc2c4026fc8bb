public import Foundation

/// What a signature verifier needs from an HTTP request, exactly as it came off the wire: no I/O, no
/// body. Build one per request and hand it to ``RequestAuthenticator/authenticate(_:secretFor:)``
/// (or straight to ``SignatureV4`` / ``SignatureV2``).
public struct SignedRequest: Sendable {
    /// The HTTP method, upper case (`GET`).
    public var method: String
    /// The request path as sent: percent-encoded, without the query (`/bucket/a%20key`).
    public var path: String
    /// The raw query string as sent, without the `?`; nil when the URL has none.
    public var query: String?
    /// The header fields in their original order; names compare case-insensitively and may repeat.
    public var headers: [(name: String, value: String)]
    /// The server's clock, for skew and expiry checks.
    public var now: Date
    /// The bucket named by the `Host` header of a virtual-host-style request. Signature Version 2
    /// signs `/bucket/key` whatever the addressing style, so its canonical resource puts this in front
    /// of ``path``. Signature Version 4 signs the path as sent and ignores it.
    public var virtualHostBucket: String?

    public init(
        method: String, path: String, query: String? = nil, headers: [(name: String, value: String)], now: Date,
        virtualHostBucket: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.now = now
        self.virtualHostBucket = virtualHostBucket
    }

    /// Every value of the header `name` (any case), in order.
    func headerValues(_ name: String) -> [String] {
        let name = name.lowercased()
        return headers.compactMap { $0.name.lowercased() == name ? $0.value : nil }
    }

    /// The first value of the header `name` (any case).
    func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.name.lowercased() == name }?.value
    }

    /// The query parameters in order, split on `&` and the first `=`, left encoded as sent. `value` is
    /// nil for a bare name (`?acl`); empty items (`a=1&&b=2`) are skipped.
    var rawQueryParameters: [(name: Substring, value: Substring?)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            if let eq = item.firstIndex(of: "=") {
                return (item[..<eq], item[item.index(after: eq)...])
            }
            return (item, nil)
        }
    }

    /// The query parameters in order, percent-decoded (`+` as a space, as S3 reads a query). `value` is
    /// nil for a bare name.
    var queryParameters: [(name: String, value: String?)] {
        rawQueryParameters.map { (AWSSigning.queryDecode($0.name), $0.value.map { AWSSigning.queryDecode($0) }) }
    }

    /// The decoded value of the first query parameter `name` (exact case), "" for a bare name, nil
    /// when absent.
    func queryValue(_ name: String) -> String? {
        for p in queryParameters where p.name == name { return p.value ?? "" }
        return nil
    }
}
