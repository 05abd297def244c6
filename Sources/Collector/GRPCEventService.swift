import Foundation
import GRPCCore
import NIOCore
import RaccoonGRPC
import RaccoonWire

/// `raystack.raccoon.v1beta1.EventService/SendEvent` as Raccoon answers it (raystack/raccoon
/// `server/grpc/handler.go`): the identity must be in the call's metadata under the lower-cased
/// id header name (`x-user-id`), else the call fails UNKNOWN "connection id header missing";
/// otherwise the status is OK and the outcome is in the `SendEventResponse`.
///
/// Each call is decided by the collector core of one event loop, chosen by the caller's
/// identity, so that one device's calls share a shard as its WebSocket batches would. The
/// faults apply as on WebSocket: an ack delay delays the answer; a lost ack holds the call until
/// the caller gives up (its deadline) or the collector stops; an outage fails calls UNAVAILABLE.
/// With Kafka, a call is published as a WebSocket batch is: with immediate acks it is answered
/// at once, with after-publish acks once its delivery reports are in (OK, or Raccoon's publish
/// error).
struct GRPCEventService: Raystack_Raccoon_V1beta1_EventService.ServiceProtocol {
    let shared: CollectorServer.SharedState
    let shards: [NIOLoopBoundBox<CollectorShard>]

    /// Raccoon's error text for a call without the id header.
    static let missingIdentity = "connection id header missing"

    func sendEvent(
        request: ServerRequest<SendEventRequest>, context: ServerContext
    ) async throws -> ServerResponse<SendEventResponse> {
        let configuration = shared.configuration
        guard
            let id = request.metadata[stringValues: configuration.userIDHeader.lowercased()].first(where: { _ in true })
        else {
            throw RPCError(code: .unknown, message: Self.missingIdentity)
        }
        let group = request.metadata[stringValues: configuration.groupHeader.lowercased()].first(where: { _ in true })
        let shard = shards[Self.index(of: id, group: group ?? "", among: shards.count)]
        let received = NIODeadline.now()
        let message = request.message
        let size = (try? message.serializedBytes() as [UInt8])?.count ?? 0
        let decided = try await shard.eventLoop.submit { () -> Decided? in
            let owned = shard.value
            if owned.core.faults.outage { return nil }
            let decision = owned.core.ingest(
                grpc: message, bytes: size, serverTime: Int64(Date().timeIntervalSince1970))
            return Decided(decision: decision, settlement: publish(decision, shard: shard))
        }.get()
        guard let decided else {
            shared.table.withLockedValue { $0.noteRefusedDuringOutage() }
            throw RPCError(code: .unavailable, message: "the collector is in an outage (an injected fault)")
        }
        var response = decided.decision.response
        var delay = decided.decision.delay
        if let settlement = decided.settlement, decided.decision.kafka?.afterPublish == true {
            // After-publish: the answer is the settlement's, once every event has its report.
            let settled = try await Self.wait(for: settlement)
            response = settled.response
            delay = settled.delay
        }
        if delay > 0 {
            try await shard.eventLoop.scheduleTask(in: .clamped(seconds: delay)) {}.futureResult.get()
        }
        guard let response else {
            try await Self.holdUntilCancelled(on: shard.eventLoop)
            throw RPCError(code: .cancelled, message: "the answer was lost on purpose (ack_loss)")
        }
        let seconds = Double((NIODeadline.now() - received).nanoseconds) / 1e9
        shard.eventLoop.execute { shard.value.core.recordAckLatency(seconds) }
        return ServerResponse(message: response)
    }

    /// What the core decided for a call, and, when it handed the batch to Kafka, the settlement
    /// to come once the delivery reports are in.
    private struct Decided: Sendable {
        var decision: CollectorCore.Decision
        var settlement: EventLoopFuture<KafkaSettlement>?
    }

    /// Hands a decided batch to Kafka, as the WebSocket and REST handlers do; on the shard's loop.
    /// A call has no de-duplication memory, so a settlement's `forget` has nothing to forget.
    private func publish(
        _ decision: CollectorCore.Decision, shard: NIOLoopBoundBox<CollectorShard>
    ) -> EventLoopFuture<KafkaSettlement>? {
        guard let batch = decision.kafka else { return nil }
        let settled = shard.eventLoop.makePromise(of: KafkaSettlement.self)
        shared.publish(batch, shard: shard.value, loop: shard.eventLoop) { settlement in
            settled.succeed(settlement)
        }
        return settled.futureResult
    }

    /// The settlement of an after-publish batch; a cancelled call (its deadline, or the collector
    /// shutting down) stops waiting, and the batch is still accounted when its reports come.
    private static func wait(for settlement: EventLoopFuture<KafkaSettlement>) async throws -> KafkaSettlement {
        let waiting = settlement.eventLoop.makePromise(of: KafkaSettlement.self)
        settlement.cascade(to: waiting)
        return try await withTaskCancellationHandler {
            try await waiting.futureResult.get()
        } onCancel: {
            // A promise completed twice keeps its first result: the late settlement is ignored.
            waiting.fail(CancellationError())
        }
    }

    /// A lost ack: no answer until the call is cancelled (the caller's deadline, or the collector
    /// shutting down, which cancels every call).
    private static func holdUntilCancelled(on loop: any EventLoop) async throws {
        let held = loop.makePromise(of: Void.self)
        try await withTaskCancellationHandler {
            try await held.futureResult.get()
        } onCancel: {
            held.fail(CancellationError())
        }
    }

    /// The shard of an identity: FNV-1a over (group, id), stable within and across runs.
    static func index(of id: String, group: String, among count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in group.utf8 + [0] + id.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(max(count, 1)))
    }
}
