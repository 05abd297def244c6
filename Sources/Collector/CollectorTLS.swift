import Crypto
import Foundation
import NIOSSL
import SwarmPrimitives
import SwiftASN1
import X509

/// The collector's TLS identity: its certificate chain and key, from PEM files
/// (`clickswarm collector --tls-cert --tls-key`) or made at start (`collector.tls: true` of an
/// embedded run). With `clientCA`, clients must present a certificate it signed (mutual TLS).
///
/// The same identity serves the HTTP port (`wss://`, `https://`) and the gRPC port (`grpcs://`).
public struct CollectorTLS: Sendable {
    /// The certificate chain, leaf first, as PEM: what a device trusts for a self-signed one.
    public let certificatePEM: String
    let keyPEM: String
    let context: NIOSSLContext
    /// The PEM of the certificate authorities client certificates must lead to, if required.
    let clientCAPEM: String?

    /// An identity from files: the certificate (chain) and its private key, both PEM.
    public static func files(
        certificate: String, key: String, clientCA: String? = nil
    ) throws(CollectorError) -> CollectorTLS {
        let certificatePEM = try read(certificate, what: "the TLS certificate")
        let keyPEM = try read(key, what: "the TLS key")
        let clientCAPEM = try clientCA.map { path throws(CollectorError) in try read(path, what: "the client CA file") }
        return try CollectorTLS(certificatePEM: certificatePEM, keyPEM: keyPEM, clientCAPEM: clientCAPEM)
    }

    /// A self-signed identity for `localhost`, 127.0.0.1 and ::1 (plus `hosts`), valid from an
    /// hour ago for a week: an embedded run's devices trust exactly this certificate.
    public static func selfSigned(hosts: [String] = []) throws(CollectorError) -> CollectorTLS {
        do {
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName("ClickSwarm embedded collector") }
            var names: [GeneralName] = [
                .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            ]
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
            for host in hosts where host != "localhost" { names.append(.dnsName(host)) }
            let now = Date()
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(7 * 86_400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    // Its own authority: a trust root must be a CA to RFC 5280 verifiers.
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    KeyUsage(digitalSignature: true, keyCertSign: true)
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names)
                },
                issuerPrivateKey: .init(key))
            return try CollectorTLS(
                certificatePEM: try certificate.serializeAsPEM().pemString, keyPEM: key.pemRepresentation,
                clientCAPEM: nil)
        } catch let error as CollectorError {
            throw error
        } catch {
            throw .invalidConfiguration("the self-signed TLS certificate could not be made: \(error)")
        }
    }

    private init(certificatePEM: String, keyPEM: String, clientCAPEM: String?) throws(CollectorError) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.clientCAPEM = clientCAPEM
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            guard !chain.isEmpty else {
                throw CollectorError.invalidConfiguration("the TLS certificate has no PEM block")
            }
            let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.applicationProtocols = ["http/1.1"]
            if let clientCAPEM {
                configuration.certificateVerification = .noHostnameVerification
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCAPEM.utf8)))
            }
            context = try NIOSSLContext(configuration: configuration)
        } catch let error as CollectorError {
            throw error
        } catch {
            throw .invalidConfiguration("the TLS certificate and key do not make a TLS identity: \(error)")
        }
    }

    private static func read(_ path: String, what: String) throws(CollectorError) -> String {
        do {
            return String(decoding: try FileIO.read(path, limit: 16 << 20), as: UTF8.self)
        } catch {
            throw .invalidConfiguration("\(what) \(path) cannot be read: \(error.reason)")
        }
    }
}
