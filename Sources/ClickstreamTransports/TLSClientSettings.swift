/// How a device's TLS connections check the collector and present themselves: a run's
/// `--ca-file`, `--insecure`, `--client-cert` and `--client-key` (or the scenario's `target`
/// mapping), or the embedded collector's self-signed certificate.
public struct TLSClientSettings: Sendable, Equatable {
    /// A PEM bundle of certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// PEM certificates to trust, as text (the embedded collector's self-signed certificate);
    /// with `caFile`, both are trusted.
    public var trustedPEM: String?
    /// Skip every check of the collector's certificate: chain, validity and host name.
    public var insecure = false
    /// A PEM certificate (chain) to present for mutual TLS; needs `clientKeyFile`.
    public var clientCertificateFile: String?
    /// The PEM private key of `clientCertificateFile`.
    public var clientKeyFile: String?

    public init(
        caFile: String? = nil, trustedPEM: String? = nil, insecure: Bool = false,
        clientCertificateFile: String? = nil, clientKeyFile: String? = nil
    ) {
        self.caFile = caFile
        self.trustedPEM = trustedPEM
        self.insecure = insecure
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
    }
}

/// Why a TLS context could not be made from its settings: which file, and what is wrong with it.
public enum TLSSetupError: Error, Equatable, CustomStringConvertible {
    /// The file cannot be read (missing, a folder, no permission).
    case unreadable(what: String, path: String, reason: String)
    /// The file holds no PEM certificate, or one that does not parse.
    case badCertificate(what: String, path: String, reason: String)
    /// The key file holds no PEM private key, or one that does not parse.
    case badKey(path: String, reason: String)
    /// A client certificate without its key, or a key without its certificate.
    case incompleteClientIdentity
    /// The TLS library refused the combination (a key that does not match its certificate, say).
    case rejected(String)

    public var description: String {
        switch self {
        case .unreadable(let what, let path, let reason): return "\(what) \(path) cannot be read: \(reason)"
        case .badCertificate(let what, let path, let reason):
            return "\(what) \(path) holds no usable PEM certificate: \(reason)"
        case .badKey(let path, let reason): return "the client key \(path) holds no usable PEM private key: \(reason)"
        case .incompleteClientIdentity:
            return
                "a client certificate needs its key and a key its certificate: give both --client-cert and --client-key"
        case .rejected(let reason): return "the TLS settings were refused: \(reason)"
        }
    }
}
