import FuzzSupport

/// Bytes as a client's WebSocket frame stream after the upgrade. The collector's own pipeline
/// (`CollectorPipeline.configure`) upgrades on the SDK's handshake; the frames then go through
/// NIO's frame decoder, the frame aggregator and the session handler, and are answered.
///
/// The first byte picks the faults in force while the frames arrive (bit 0: publish stall,
/// lifted after the frames; bit 1: a 5 ms ack delay; bit 2: an outage after the frames); the
/// rest is the frame stream. Then 100 virtual seconds pass (pings, the pong deadline).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocket(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    let options = bytes.first ?? 0
    guard let connection = try? ServerConnection() else { preconditionFailure("cannot build the collector pipeline") }
    defer { connection.close() }
    precondition(Upgrade.switched(connection.receive(Upgrade.request)), "the WebSocket upgrade failed")
    if options & 0b011 != 0 {
        connection.setFaults {
            $0.publishStall = options & 0b001 != 0
            if options & 0b010 != 0 { $0.ackDelay = .constant(0.005) }
        }
    }
    connection.receive(bytes.dropFirst())
    if options & 0b001 != 0 { connection.setFaults { $0.publishStall = false } }
    connection.advance(seconds: 1)
    if options & 0b100 != 0 { connection.setFaults { $0.outage = true } }
    connection.advance(seconds: 100)
    return 0
}
