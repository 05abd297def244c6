import FuzzSupport

/// Bytes as what a client sends on a fresh connection to the collector: the server's own
/// per-connection pipeline (`CollectorPipeline.configure`: HTTP decoder, request handler,
/// WebSocket upgrader) reads them in two reads, so REST `POST /api/v1/events`, `/ping`,
/// `/stats`, `/metrics`, `/admin/faults` and upgrades (with frames after them) are all reached.
/// Then 100 virtual seconds pass (delayed answers, keepalive after an upgrade).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    guard let connection = try? ServerConnection() else { preconditionFailure("cannot build the collector pipeline") }
    defer { connection.close() }
    // Two reads, split in the middle: a head or body cut across reads is the decoder's daily work.
    let middle = bytes.count / 2
    connection.receive(bytes[..<middle])
    connection.receive(bytes[middle...])
    connection.advance(seconds: 100)
    return 0
}
