import ArgumentParser
import Foundation
import Simulation

/// `clickswarm run`'s TLS flags for a `wss://`, `https://` or `grpcs://` target, and the
/// connection headers every device sends.
struct ConnectionFlags: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Trust the certificate authorities of this PEM bundle (instead of the system's).", valueName: "file"))
    var caFile: String?
    @Flag(help: "Do not check the target's TLS certificate or host name (the summary warns, the report records it).")
    var insecure = false
    @Option(
        help: ArgumentHelp("Present this PEM client certificate (mutual TLS); needs --client-key.", valueName: "file"))
    var clientCert: String?
    @Option(help: ArgumentHelp("The PEM private key of --client-cert.", valueName: "file")) var clientKey: String?
    @Option(
        help: ArgumentHelp(
            "A header on every device connection, 'Name: value' (repeatable): the WebSocket upgrade, every REST request, "
                + "the gRPC metadata; {device}, {uuid} and ${NAME} (environment) are expanded; values are never printed.",
            valueName: "header"))
    var header: [String] = []

    func apply(to overrides: inout ScenarioOverrides) throws {
        overrides.caFile = caFile
        overrides.insecure = insecure
        overrides.clientCertificate = clientCert
        overrides.clientKey = clientKey
        overrides.environment = ProcessInfo.processInfo.environment
        for (position, text) in header.enumerated() {
            do {
                overrides.headers.append(try HeaderTemplate(parsing: text))
            } catch {
                // Never the header text: its value may be a secret.
                throw ValidationError("--header #\(position + 1): \(error)")
            }
        }
    }
}
