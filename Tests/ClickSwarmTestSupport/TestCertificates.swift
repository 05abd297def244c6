import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates the TLS tests make for themselves (swift-certificates), written as PEM files to
/// a fresh temporary folder: a test CA and, signed by it, a server certificate for localhost and
/// 127.0.0.1, an expired one, one for another host name and a client certificate; and a second
/// CA that signed nothing the servers use (the "unknown CA" a device may be told to trust).
public struct TestCertificates: Sendable {
    public let directory: String
    public let caFile: String
    public let otherCAFile: String
    public let server: Pair
    public let expired: Pair
    public let wrongHost: Pair
    public let client: Pair

    /// A certificate file and its key file.
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    public static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("clickswarm-certs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws -> String {
            let path = "\(directory)/\(name)"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let now = Date()
        let ca = try Authority(name: "ClickSwarm Test CA")
        let other = try Authority(name: "Someone Else's CA")
        let loopback = [GeneralName.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        func pair(_ name: String, _ names: [GeneralName], from: Date, to: Date, usage: ExtendedKeyUsage.Usage) throws
            -> Pair
        {
            let (certificate, key) = try ca.issue(
                commonName: name, names: names, notBefore: from, notAfter: to, usage: usage)
            return Pair(certificate: try write("\(name).pem", certificate), key: try write("\(name).key", key))
        }
        return TestCertificates(
            directory: directory,
            caFile: try write("ca.pem", try ca.certificate.serializeAsPEM().pemString),
            otherCAFile: try write("other-ca.pem", try other.certificate.serializeAsPEM().pemString),
            server: try pair("server", loopback, from: now - 3600, to: now + 86_400, usage: .serverAuth),
            expired: try pair("expired", loopback, from: now - 2 * 86_400, to: now - 86_400, usage: .serverAuth),
            wrongHost: try pair(
                "wrong-host", [.dnsName("collector.example")], from: now - 3600, to: now + 86_400, usage: .serverAuth),
            client: try pair(
                "client", [.dnsName("device.example")], from: now - 3600, to: now + 86_400, usage: .clientAuth)
        )
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A self-signed certificate authority.
    struct Authority {
        let key = P256.Signing.PrivateKey()
        let certificate: Certificate

        init(name: String) throws {
            let subject = try DistinguishedName { CommonName(name) }
            let now = Date()
            certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: now - 86_400 * 3, notValidAfter: now + 86_400 * 30, issuer: subject, subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    KeyUsage(keyCertSign: true)
                },
                issuerPrivateKey: .init(key))
        }

        /// A leaf for `names`, as PEM certificate and PEM key.
        func issue(
            commonName: String, names: [GeneralName], notBefore: Date, notAfter: Date, usage: ExtendedKeyUsage.Usage
        ) throws -> (String, String) {
            let leafKey = P256.Signing.PrivateKey()
            let leaf = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: certificate.subject,
                subject: try DistinguishedName { CommonName(commonName) }, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    KeyUsage(digitalSignature: true)
                    try ExtendedKeyUsage([usage])
                    SubjectAlternativeNames(names)
                },
                issuerPrivateKey: .init(key))
            return (try leaf.serializeAsPEM().pemString, leafKey.pemRepresentation)
        }
    }
}
