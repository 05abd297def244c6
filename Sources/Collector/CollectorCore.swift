import Foundation
import NIOCore
import RaccoonWire
import SwarmPrimitives
import SwiftProtobuf

/// The collector's decisions for one event loop, without I/O: decode a batch, validate it,
/// account its events, apply faults and decide the answer. The server owns one per event loop
/// and only touches it on that loop, so no lock is taken per batch.
package struct CollectorCore: Sendable {
    /// What to do with one batch.
    package struct Decision: Sendable, Equatable {
        /// The answer, or `nil` when the ack is lost on purpose.
        package var response: SendEventResponse?
        /// Seconds to wait before answering (ack delay, plus the publish delay in after-publish mode).
        package var delay: Double
        /// Events to publish to Kafka, when the collector publishes there: in after-publish mode
        /// `response` is `nil` and the answer comes from `settle` once every report is in.
        package var kafka: KafkaBatch? = nil
    }

    package enum Transport: Sendable {
        case webSocket
        case rest
    }

    package let ackMode: CollectorConfiguration.AckMode
    package let publishDelay: Distribution
    package let deduplicate: Bool
    /// Whether delivered events go to Kafka (then their accounting waits for the reports).
    package let publishesToKafka: Bool
    package var faults: FaultSettings
    package internal(set) var batches = BatchCounters()
    package internal(set) var ledger: DeliveryLedger
    package private(set) var ackLatency = LatencyHistogram()
    private var random: SeededRandom
    let sink: (any EventSink)?

    package init(configuration: CollectorConfiguration, stream: UInt64, sink: (any EventSink)?) {
        ackMode = configuration.ackMode
        publishDelay = configuration.publishDelay
        deduplicate = configuration.deduplicate
        publishesToKafka = configuration.kafka != nil
        faults = configuration.faults
        ledger = DeliveryLedger(maxTypes: configuration.maxEventTypes)
        random = SeededRandom(seed: configuration.seed, stream: stream)
        self.sink = sink
    }

    /// The answer to a message that could not be read as a request.
    package static func badRequest(_ reason: String, serverTime: Int64) -> SendEventResponse {
        .make(
            status: .error, code: .badRequest, sentTime: serverTime,
            reason: "cannot deserialize request: \(reason)", reqGUID: "")
    }

    /// The answer to a message over the size limit.
    package mutating func tooLarge(size: Int?, limit: Int, serverTime: Int64) -> SendEventResponse {
        batches.received += 1
        batches.tooLarge += 1
        let sizeText = size.map { "of \($0) bytes " } ?? ""
        return .make(
            status: .error, code: .badRequest, sentTime: serverTime,
            reason: "request \(sizeText)exceeds the collector's limit of \(limit) bytes", reqGUID: "")
    }

    /// Decides what to do with one request message.
    package mutating func ingest(
        _ payload: ByteBuffer,
        encoding: WireEncoding,
        transport: Transport,
        requestMemory: inout RequestGUIDMemory?,
        serverTime: Int64
    ) -> Decision {
        var random = self.random
        defer { self.random = random }
        return ingest(
            payload, encoding: encoding, transport: transport, requestMemory: &requestMemory, serverTime: serverTime,
            random: &random)
    }

    /// Decides what to do with one request message, drawing the fault decisions from `random`:
    /// a simulated run gives each device its own stream, so a device's faults do not depend on
    /// which other devices share the collector (DESIGN principle 4).
    package mutating func ingest(
        _ payload: ByteBuffer,
        encoding: WireEncoding,
        transport: Transport,
        requestMemory: inout RequestGUIDMemory?,
        serverTime: Int64,
        random: inout SeededRandom
    ) -> Decision {
        batches.received += 1
        batches.bytes += UInt64(payload.readableBytes)
        if transport == .rest { batches.rest += 1 }
        let request: SendEventRequest
        switch encoding {
        case .protobuf:
            batches.protobuf += 1
            do {
                request = try SendEventRequest(serializedBytes: ByteBufferBytes(payload))
            } catch {
                batches.badRequest += 1
                return Decision(response: Self.badRequest("\(error)", serverTime: serverTime), delay: 0)
            }
        case .json:
            batches.json += 1
            do {
                let decoded = try RaccoonJSON.decodeRequest(payload.readableBytesView)
                batches.jsonUnknownKeys += UInt64(decoded.unknownKeys.count)
                request = decoded.request
            } catch {
                batches.badRequest += 1
                return Decision(response: Self.badRequest(error.description, serverTime: serverTime), delay: 0)
            }
        }
        return decide(request, requestMemory: &requestMemory, serverTime: serverTime, random: &random)
    }

    /// Raccoon's order: the de-duplication check (which remembers the req_guid), then the publish
    /// (here, the injected error fault), then the ack. How a failed publish is answered depends
    /// on the ack mode: after-publish answers it and forgets the req_guid so its retry is
    /// published; immediate already answered OK, so the batch is lost silently.
    mutating func decide(
        _ request: SendEventRequest,
        requestMemory: inout RequestGUIDMemory?,
        serverTime: Int64,
        random: inout SeededRandom
    ) -> Decision {
        let events = request.events
        if events.isEmpty { batches.empty += 1 }
        let ok = SendEventResponse.make(status: .success, code: .ok, sentTime: serverTime, reqGUID: request.reqGuid)

        // The empty req_guid is a key like any other, as in Raccoon (`handler.go:104-112`).
        if deduplicate, requestMemory?.checkAndInsert(request.reqGuid) == true {
            batches.deduplicated += 1
            ledger.account(events, delivered: false, extra: \.deduplicated)
            // Answered by the reader, without publishing: no publish delay.
            return Decision(response: ok, delay: ackDelay(&random))
        }
        if faults.errorProbability > 0, random.nextUnit() < faults.errorProbability {
            switch ackMode {
            case .afterPublish:
                if deduplicate { requestMemory?.forget(request.reqGuid) }
                batches.errored += 1
                ledger.account(events, delivered: false, extra: \.errored)
                let error = SendEventResponse.make(
                    status: .error, code: .internalError, sentTime: serverTime,
                    reason: "cannot publish events: injected fault", reqGUID: request.reqGuid)
                return Decision(response: error, delay: answerDelay(&random))
            case .immediate:
                // The client has its OK already (raystack/raccoon#38): a silent loss, counted.
                batches.lostAfterAck += 1
                ledger.accountLostAfterAck(events)
                return Decision(response: ok, delay: answerDelay(&random))
            }
        }
        let ackLost = faults.ackLossProbability > 0 && random.nextUnit() < faults.ackLossProbability
        if publishesToKafka {
            return handToKafka(events, ok: ok, ackLost: ackLost, random: &random)
        }
        ledger.account(events, delivered: true, extra: ackLost ? \.ackLost : nil)
        if !events.isEmpty { sink?.publish(events) }
        if ackLost {
            batches.ackLost += 1
            return Decision(response: nil, delay: 0)
        }
        batches.ok += 1
        return Decision(response: ok, delay: answerDelay(&random))
    }

    /// The injected ack delay, plus the publish delay in after-publish mode.
    func answerDelay(_ random: inout SeededRandom) -> Double {
        var delay = ackDelay(&random)
        if ackMode == .afterPublish, publishDelay != .zero { delay += publishDelay.sample(using: &random) }
        // Every parameter is at most 366 days, but a sample is not: lognormal(8784h, 10) reaches 1e44 s,
        // which no timer takes (its nanoseconds overflow Int64). The tail waits the longest duration.
        return min(delay, Distribution.longestDuration)
    }

    func ackDelay(_ random: inout SeededRandom) -> Double {
        faults.ackDelay == .zero ? 0 : faults.ackDelay.sample(using: &random)
    }

    package mutating func recordAckLatency(_ seconds: Double) { ackLatency.record(seconds) }

    /// This loop's figures, to be merged with the other loops'.
    package var snapshot: CollectorCounters {
        CollectorCounters(batches: batches, ledger: ledger, ackLatency: ackLatency)
    }
}

/// The mergeable part of the collector's figures (one event loop's, or all of them merged).
package struct CollectorCounters: Sendable {
    package var batches = BatchCounters()
    package var ledger = DeliveryLedger()
    package var ackLatency = LatencyHistogram()
    package var protection = ProtectionCounters()

    package init(
        batches: BatchCounters = BatchCounters(), ledger: DeliveryLedger = DeliveryLedger(),
        ackLatency: LatencyHistogram = LatencyHistogram(), protection: ProtectionCounters = ProtectionCounters()
    ) {
        self.batches = batches
        self.ledger = ledger
        self.ackLatency = ackLatency
        self.protection = protection
    }

    package mutating func merge(_ other: CollectorCounters) {
        batches.merge(other.batches)
        ledger.merge(other.ledger)
        ackLatency.merge(other.ackLatency)
        protection.merge(other.protection)
    }
}

/// Lets SwiftProtobuf decode straight from a `ByteBuffer`'s readable bytes.
struct ByteBufferBytes: SwiftProtobufContiguousBytes {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    init(repeating: UInt8, count: Int) {
        buffer = ByteBuffer(repeating: repeating, count: count)
    }

    init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
        buffer = ByteBuffer(bytes: sequence)
    }

    var count: Int { buffer.readableBytes }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes(body)
    }
}

extension CollectorCore {
    /// A REST request whose Content-Type is neither of Raccoon's two.
    package mutating func noteBadContentType() {
        batches.received += 1
        batches.rest += 1
        batches.badRequest += 1
    }

    /// Decides one gRPC `SendEvent` call: grpc-swift has decoded the request already (a message
    /// that does not decode never reaches the core: gRPC answers it with INTERNAL itself).
    package mutating func ingest(grpc request: SendEventRequest, bytes: Int, serverTime: Int64) -> Decision {
        batches.received += 1
        batches.bytes += UInt64(bytes)
        batches.protobuf += 1
        batches.grpc += 1
        var noMemory: RequestGUIDMemory? = nil
        var random = self.random
        defer { self.random = random }
        return decide(request, requestMemory: &noMemory, serverTime: serverTime, random: &random)
    }
}
