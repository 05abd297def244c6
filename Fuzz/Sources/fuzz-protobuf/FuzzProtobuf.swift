import FuzzSupport
import NIOCore
import RaccoonWire
import SwiftProtobuf

@testable import Collector

/// Bytes as a protobuf `SendEventRequest`, through what the collector does with one: the core's
/// ingest (decode, de-duplication, faults, the delivery ledger's guid scan of each contract),
/// the NDJSON sink's line (contract decoding, the guid field scan), and the guid parser on the
/// raw bytes. A request that decodes must also survive the Raccoon JSON round trip unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProtobuf(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    var core = CollectorCore(configuration: FuzzCollector.configuration, stream: 0, sink: nil)
    var memory: RequestGUIDMemory? = RequestGUIDMemory()
    let payload = ByteBuffer(bytes: bytes)
    // Twice: the second time the req_guid is known.
    for _ in 0..<2 {
        _ = core.ingest(payload, encoding: .protobuf, transport: .webSocket, requestMemory: &memory, serverTime: 0)
    }
    _ = ProtoFieldScanner.eventGUID(inContract: bytes)
    _ = EventGUID.parse(bytes)

    guard let request = try? SendEventRequest(serializedBytes: Array(bytes)) else { return 0 }
    var line: [UInt8] = []
    for event in request.events {
        NDJSONFileSink.appendLine(for: event, to: &line)
    }
    // Raccoon JSON has no place for fields it does not know.
    var known = request
    known.unknownFields = UnknownStorage()
    if known.hasSentTime { known.sentTime.unknownFields = UnknownStorage() }
    for index in known.events.indices {
        known.events[index].unknownFields = UnknownStorage()
        if known.events[index].hasEventTimestamp {
            known.events[index].eventTimestamp.unknownFields = UnknownStorage()
        }
    }
    let json = RaccoonJSON.encodeRequest(known)
    do {
        let decoded = try RaccoonJSON.decodeRequest(json)
        precondition(
            decoded.request == known,
            "the Raccoon JSON round trip changed the request: \(String(decoding: json, as: UTF8.self))")
    } catch {
        preconditionFailure(
            "Raccoon JSON cannot read its own encoding (\(error)): \(String(decoding: json, as: UTF8.self))")
    }
    return 0
}
