import ClickstreamSDK
import Foundation
import NIOCore
import NIOSSL
import Synchronization
import X509

/// The check of a collector's certificate chain, with the reason of a refusal in ClickSwarm's
/// words: is there a chain to a trusted root (else `tls: unknown CA`), is every certificate of
/// it within its validity (else `tls: certificate expired`), does the leaf name the host dialled
/// (else `tls: wrong host name`).
struct TLSVerification: Sendable {
    let roots: CertificateStore

    /// NIOSSL's custom verification callback: checks `chain` off the event loop (the verifier is
    /// asynchronous), leaves a refusal's reason in `verdict`, then answers `promise`.
    func verify(
        _ chain: [NIOSSLCertificate], host: String, verdict: TLSVerdictBox,
        promise: EventLoopPromise<NIOSSLVerificationResult>
    ) {
        let certificates: [Certificate]
        do {
            certificates = try chain.map { try Certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            verdict.set(.tlsHandshakeFailed("the collector's certificate does not parse: \(error)"))
            promise.succeed(.failed)
            return
        }
        guard let leaf = certificates.first else {
            verdict.set(.tlsHandshakeFailed("the collector sent no certificate"))
            promise.succeed(.failed)
            return
        }
        let roots = self.roots
        Task(executorPreference: EventLoopExecutor(promise.futureResult.eventLoop)) {
            let failure = await Self.check(
                leaf: leaf, intermediates: Array(certificates.dropFirst()), host: host, roots: roots, now: Date())
            if let failure {
                verdict.set(failure)
                promise.succeed(.failed)
            } else {
                promise.succeed(.certificateVerified)
            }
        }
    }

    /// Nil when `leaf` (with `intermediates`) leads to one of `roots`, is valid at `now` and
    /// names `host`; otherwise why not.
    static func check(
        leaf: Certificate, intermediates: [Certificate], host: String, roots: CertificateStore, now: Date
    ) async -> TransportFailure? {
        let address = TLSClientContext.isAddress(host)
        let identity = ServerIdentityPolicy(serverHostname: address ? nil : host, serverIP: address ? host : nil)
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy()
            identity
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        guard case .couldNotValidate(let failures) = result else { return nil }
        // No failure listed: no candidate chain reached a trusted root at all.
        guard let first = failures.first else {
            return .tlsUnknownCA(
                "\(leaf.subject) is issued by \(leaf.issuer), which is not a trusted certificate authority "
                    + "(give it with --ca-file)")
        }
        for failure in failures {
            for certificate in failure.chain where certificate.notValidAfter < now || certificate.notValidBefore > now {
                let ended = certificate.notValidAfter < now
                return .tlsCertificateExpired(
                    "\(certificate.subject) is valid \(ended ? "until" : "from") "
                        + "\(ended ? certificate.notValidAfter : certificate.notValidBefore)")
            }
        }
        var hostCheck = identity
        if case .failsToMeetPolicy = hostCheck.chainMeetsPolicyRequirements(chain: first.chain) {
            let names = (try? leaf.extensions.subjectAlternativeNames).flatMap { $0 }.map { "\(Array($0))" }
            return .tlsWrongHostName(
                "the certificate of \(leaf.subject) (\(names ?? "no alternative names")) is not for \(host)")
        }
        return .tlsHandshakeFailed("\(first.policyFailureReason)")
    }
}

/// Where a connection's certificate check leaves the reason of a refusal, for the handshake's
/// error to be reported in words. Written by the verifier's task, read on the event loop once
/// the handshake has failed: the mutex makes the hand-over safe.
final class TLSVerdictBox: Sendable {
    private let failure = Mutex<TransportFailure?>(nil)

    func set(_ value: TransportFailure) { failure.withLock { $0 = value } }

    var value: TransportFailure? { failure.withLock { $0 } }
}
