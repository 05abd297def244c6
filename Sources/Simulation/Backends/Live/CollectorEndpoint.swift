import ClickstreamTransports

/// Where a live run's devices connect: the embedded collector's port or the remote target, and
/// the TLS every device's connection gets (nil: plain).
struct CollectorEndpoint: Sendable {
    var host: String
    var port: Int
    var path: String
    var transport: Scenario.Transport
    var tls: TLSClientContext?
}
