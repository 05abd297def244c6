import ClickstreamSDK
import NIOCore
import NIOSSL
import SwarmPrimitives
import X509

/// A run's TLS client side, made once from its `TLSClientSettings` and shared by every device:
/// the `NIOSSLContext` (thread-safe; each connection makes its own session from it) and the
/// certificate authorities the collector's chain must lead to.
///
/// Certificates are checked by `TLSVerification` (swift-certificates' RFC 5280 verifier and
/// host-name policy) instead of BoringSSL's own check, so that a refusal can say why in
/// ClickSwarm's words (`tls: unknown CA`, `tls: certificate expired`, `tls: wrong host name`)
/// rather than BoringSSL's single `CERTIFICATE_VERIFY_FAILED`.
public final class TLSClientContext: Sendable {
    let sslContext: NIOSSLContext
    /// Nil with `insecure`: nothing is checked.
    let verification: TLSVerification?
    public let settings: TLSClientSettings

    /// - Parameters:
    ///   - applicationProtocols: the ALPN names to offer (`h2` for gRPC, `http/1.1` for
    ///     WebSocket and REST).
    public init(settings: TLSClientSettings, applicationProtocols: [String]) throws(TLSSetupError) {
        self.settings = settings
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = applicationProtocols
        switch (settings.clientCertificateFile, settings.clientKeyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            let chain = try Self.certificates(in: certificateFile, what: "the client certificate")
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try Self.key(in: keyFile))
        default:
            throw .incompleteClientIdentity
        }
        if settings.insecure {
            configuration.certificateVerification = .none
            verification = nil
        } else {
            // Full verification, which the per-connection custom callback then performs.
            configuration.certificateVerification = .fullVerification
            verification = TLSVerification(roots: try Self.roots(settings))
        }
        do {
            sslContext = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .rejected("\(error)")
        }
    }

    /// The handler of one connection to `host`: SNI names the host unless it is an address
    /// (TLS forbids addresses in SNI), and the certificate must name it either way.
    func makeHandler(host: String, verdict: TLSVerdictBox) throws -> NIOSSLClientHandler {
        let sniName = Self.isAddress(host) ? nil : host
        guard let verification else {
            return try NIOSSLClientHandler(context: sslContext, serverHostname: sniName)
        }
        return try NIOSSLClientHandler(context: sslContext, serverHostname: sniName) { chain, promise in
            verification.verify(chain, host: host, verdict: verdict, promise: promise)
        }
    }

    /// The trust roots: the given PEMs (the CA file, the embedded collector's certificate), or
    /// the system's when neither is given.
    private static func roots(_ settings: TLSClientSettings) throws(TLSSetupError) -> CertificateStore {
        var certificates: [Certificate] = []
        if let caFile = settings.caFile {
            certificates += try convert(self.certificates(in: caFile, what: "the CA file"), what: "the CA file", caFile)
        }
        if let pem = settings.trustedPEM {
            let parsed: [NIOSSLCertificate]
            do {
                parsed = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            } catch {
                throw .badCertificate(what: "the trusted certificate", path: "(in memory)", reason: "\(error)")
            }
            certificates += try convert(parsed, what: "the trusted certificate", "(in memory)")
        }
        if settings.caFile == nil, settings.trustedPEM == nil { return CertificateStore.systemTrustRoots }
        return CertificateStore(certificates)
    }

    private static func certificates(in path: String, what: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let bytes = try read(path, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw .badCertificate(what: what, path: path, reason: "\(error)")
        }
        guard !certificates.isEmpty else {
            throw .badCertificate(what: what, path: path, reason: "no BEGIN CERTIFICATE block")
        }
        return certificates
    }

    private static func convert(
        _ certificates: [NIOSSLCertificate], what: String, _ path: String
    ) throws(TLSSetupError) -> [Certificate] {
        do {
            return try certificates.map { try Certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            throw .badCertificate(what: what, path: path, reason: "\(error)")
        }
    }

    private static func key(in path: String) throws(TLSSetupError) -> NIOSSLPrivateKey {
        let bytes = try read(path, what: "the client key")
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw .badKey(path: path, reason: "\(error)")
        }
    }

    private static func read(_ path: String, what: String) throws(TLSSetupError) -> [UInt8] {
        do {
            return try FileIO.read(path, limit: 16 << 20)
        } catch {
            throw .unreadable(what: what, path: path, reason: error.reason)
        }
    }

    /// An IPv4 or IPv6 literal, which SNI may not carry.
    static func isAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
