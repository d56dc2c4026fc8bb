import ArgumentParser

/// `--tls-cert` and `--tls-key`: the certificate chain and private key a server serves TLS with.
struct TLSOptions: ParsableArguments {
    @Option(help: "A PEM certificate chain: serve over TLS (with --tls-key).") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?

    /// The two files; nil: plaintext. Throws when only one of them is given.
    func files() throws -> (certificate: String, key: String)? {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw CLIError("--tls-cert and --tls-key go together") }
        return tlsCert.map { (certificate: $0, key: tlsKey!) }
    }
}
