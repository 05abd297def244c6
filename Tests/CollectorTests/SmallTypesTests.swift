import NIOCore
import NIOWebSocket
import RaccoonWire
import SwarmPrimitives
import Testing

@testable import Collector

@Suite("Fault settings")
struct FaultSettingsTests {
    @Test("a partial update changes only the keys it names")
    func partialUpdate() throws {
        var faults = FaultSettings()
        try faults.apply(json: Array(#"{"ack_loss":0.5,"ack_delay":"uniform(1ms,5ms)"}"#.utf8))
        #expect(faults.ackLossProbability == 0.5)
        #expect(faults.ackDelay == .uniform(0.001, 0.005))
        try faults.apply(json: Array(#"{"outage":true,"publish_stall":true,"error_rate":1}"#.utf8))
        #expect(faults.ackLossProbability == 0.5)
        #expect(faults.outage && faults.publishStall)
        #expect(faults.errorProbability == 1)
        #expect(
            faults.json
                == #"{"ack_delay":"uniform(1ms,5ms)","ack_loss":0.5,"error_rate":1.0,"outage":true,"publish_stall":true}"#
        )
    }

    @Test(
        "an invalid update says why and changes nothing",
        arguments: [
            (#"{"ack_loss":2}"#, "ack_loss must be a probability from 0 to 1"),
            (#"{"outage":"yes"}"#, "outage must be true or false"),
            (#"{"ack_delay":"soon"}"#, "ack_delay: 'soon' is not a duration with a unit"),
            (#"{"speed":1}"#, "unknown fault 'speed'"),
            (#"[1]"#, "fault update must be a JSON object"),
            (#"{"#, "fault update is not valid JSON"),
        ])
    func invalid(json: String, message: String) {
        var faults = FaultSettings()
        faults.errorProbability = 0.1
        do {
            // A valid key before the invalid one must not be applied either.
            let update = json.hasPrefix("{\"") ? #"{"error_rate":0.3,"# + json.dropFirst() : json
            try faults.apply(json: Array(update.utf8))
            Issue.record("expected an error for \(json)")
        } catch {
            #expect(error.description.hasPrefix(message) || error.description.contains(message))
        }
        #expect(faults.errorProbability == 0.1)
    }
}

@Suite("Small collector types")
struct SmallCollectorTypesTests {
    @Test("request memory keeps every req_guid of the connection, the empty one too, and forgets on request")
    func requestMemory() {
        var memory = RequestGUIDMemory()
        let repeats = (0..<100_000).filter { memory.checkAndInsert("guid-\($0)") }
        #expect(repeats.isEmpty)
        // Unbounded, as Raccoon's: the first is still remembered after a hundred thousand more.
        let firstAgain = memory.checkAndInsert("guid-0")
        #expect(firstAgain)
        #expect(memory.count == 100_000)
        memory.forget("guid-0")
        let afterForget = memory.checkAndInsert("guid-0")
        #expect(!afterForget)
        let emptyFirst = memory.checkAndInsert("")
        let emptySecond = memory.checkAndInsert("")
        #expect(!emptyFirst && emptySecond)
    }

    @Test("configuration errors name the setting")
    func configuration() {
        var configuration = CollectorConfiguration()
        configuration.port = 70_000
        #expect(throws: CollectorError.invalidConfiguration("port 70000 is outside 0-65535")) {
            try configuration.validate()
        }
    }

    @Test(
        "every numeric setting is checked: probabilities, threads, durations, sizes",
        arguments: [
            ("ack_loss 2", "fault probabilities"), ("error_rate nan", "fault probabilities"),
            ("threads 5000", "threads must be from 0"), ("ping inf", "ping interval must be"),
            ("pong 1e9", "at most 366 days"), ("message 1TiB", "max message size must be"),
        ])
    func numericSettings(setting: String, message: String) {
        var configuration = CollectorConfiguration()
        switch setting {
        case "ack_loss 2": configuration.faults.ackLossProbability = 2
        case "error_rate nan": configuration.faults.errorProbability = .nan
        case "threads 5000": configuration.threads = 5000
        case "ping inf": configuration.pingInterval = .infinity
        case "pong 1e9": configuration.pongTimeout = 1e9
        default: configuration.maxMessageBytes = 1 << 40
        }
        let error = #expect(throws: CollectorError.self) { try configuration.validate() }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }
}

@Suite("WebSocket unmasking")
struct UnmaskTests {
    @Test("eight-at-a-time unmasking equals NIO's byte-by-byte unmasking at every length and offset")
    func matchesNIO() {
        var random = SeededRandom(seed: 5)
        for length in 0..<70 {
            let bytes = (0..<(length + 3)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let key = WebSocketMaskingKey.random()
            // A buffer whose readable bytes do not start at offset 0, as frame payloads do.
            var ours = ByteBuffer(bytes: bytes)
            ours.moveReaderIndex(forwardBy: 3)
            var theirs = ours
            ours.unmaskWebSocketPayload(key)
            theirs.webSocketUnmask(key)
            #expect(ours == theirs, "length \(length)")
        }
    }
}
