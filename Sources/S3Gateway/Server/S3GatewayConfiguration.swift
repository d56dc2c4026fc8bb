/// How the S3 gateway listens and names buckets.
public struct S3GatewayConfiguration: Sendable {
    /// The address to bind.
    public var host: String
    public var port: Int
    /// With a domain, virtual-host style requests (`bucket.domain`) are understood too.
    public var domain: String?
    /// The region reported by GetBucketLocation; any region is accepted on requests.
    public var region: String
    /// PEM files of the certificate chain and private key: serve HTTPS instead of HTTP.
    public var tls: (certificate: String, key: String)?

    public init(
        host: String = "0.0.0.0", port: Int = 30600, domain: String? = nil, region: String = "us-east-1",
        tls: (certificate: String, key: String)? = nil
    ) {
        self.host = host
        self.port = port
        self.domain = domain
        self.region = region
        self.tls = tls
    }
}
