import ArgumentParser
import Collector

/// `clickswarm collector`'s TLS and gRPC flags.
struct CollectorSecureFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve TLS (https://, wss://, grpcs://) with this PEM certificate (chain).", valueName: "file"))
    var tlsCert: String?
    @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file")) var tlsKey: String?
    @Option(
        help: ArgumentHelp(
            "With TLS: require client certificates signed by these PEM certificate authorities (mutual TLS).",
            valueName: "file"))
    var tlsClientCa: String?
    @Option(
        help: ArgumentHelp(
            "Also serve gRPC raystack.raccoon.v1beta1.EventService/SendEvent on this port (Raccoon's is 8081; 0 "
                + "picks a free one).", valueName: "port"))
    var grpcPort: Int?

    func apply(to configuration: inout CollectorConfiguration) throws {
        configuration.grpcPort = grpcPort
        switch (tlsCert, tlsKey) {
        case (nil, nil):
            if tlsClientCa != nil { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
        case (let certificate?, let key?):
            do {
                configuration.tls = try CollectorTLS.files(certificate: certificate, key: key, clientCA: tlsClientCa)
            } catch {
                throw ValidationError(error.description)
            }
        default:
            throw ValidationError("--tls-cert and --tls-key go together: give both, or neither")
        }
    }
}
