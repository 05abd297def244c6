import FuzzSupport
import NIOCore

@testable import Collector
@testable import RaccoonWire

/// Bytes as Raccoon JSON: the request and response decoders, the JSON parser that
/// `/admin/faults` uses (through the fault update itself), and the core's ingest with `.json`.
/// A request that decodes must encode to JSON that decodes to the same request.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRaccoonJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    _ = try? JSONParser.parse(bytes)
    var faults = FaultSettings()
    if (try? faults.apply(json: bytes)) != nil { _ = faults.json }
    if let response = try? RaccoonJSON.decodeResponse(bytes) { _ = RaccoonJSON.encodeResponse(response) }

    var core = CollectorCore(configuration: FuzzCollector.configuration, stream: 0, sink: nil)
    var memory: RequestGUIDMemory? = RequestGUIDMemory()
    let payload = ByteBuffer(bytes: bytes)
    for _ in 0..<2 {
        _ = core.ingest(payload, encoding: .json, transport: .rest, requestMemory: &memory, serverTime: 0)
    }

    guard let decoded = try? RaccoonJSON.decodeRequest(bytes) else { return 0 }
    let json = RaccoonJSON.encodeRequest(decoded.request)
    do {
        let again = try RaccoonJSON.decodeRequest(json)
        precondition(
            again.request == decoded.request,
            "the Raccoon JSON round trip changed the request: \(String(decoding: json, as: UTF8.self))")
    } catch {
        preconditionFailure(
            "Raccoon JSON cannot read its own encoding (\(error)): \(String(decoding: json, as: UTF8.self))")
    }
    return 0
}
