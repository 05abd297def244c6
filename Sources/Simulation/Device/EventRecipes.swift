import ClickstreamSDK
import Foundation
import NIOCore
import RaccoonWire

/// A phone's events as recipes: what its SDK's store keeps instead of each event's bytes, and
/// how it rebuilds exactly those bytes when a batch goes out (the store's `EventPayloadSource`).
///
/// An event's contract bytes are its guid, its timestamp, its context and its template's own
/// fields, in that order (fields 1, 2, 3, then 4 and up: SwiftProtobuf writes fields in number
/// order, and `ScriptLibrary.template` checks this per template). The guid and timestamp are in
/// the row already; a recipe names the template and the context (session, battery level,
/// charging), a handful of which serve a whole day of events. The context's bytes are encoded
/// once and kept while they are the ones in use.
///
/// Lives on the device's loop, with the device; it outlives app kills as the store does.
final class EventRecipes: EventPayloadSource {
    private struct ContextKey: Equatable {
        var session: UInt32
        var level: UInt32
        var charging: Bool
    }

    private let templates: [ScriptLibrary.Template]
    private(set) var stamper: EventStamper
    /// Each session's start, by session number - 1.
    private var sessionStarts: [ProtoTimestamp] = []
    private var contexts: [ContextKey] = []
    /// Bytes of each context's encoding.
    private var contextSizes: [Int] = []
    /// Each recipe's template and context.
    private var recipes: [(template: UInt32, context: UInt32)] = []
    /// Per template, its recipe with the current context (`UInt32.max`: none yet).
    private var currentRecipes: [UInt32]
    /// The encoding of the contexts last used (the newest at the end).
    private var encoded: [(context: UInt32, bytes: [UInt8])] = []

    init(templates: [ScriptLibrary.Template], stamper: EventStamper) {
        self.templates = templates
        self.stamper = stamper
        currentRecipes = Array(repeating: .max, count: templates.count)
    }

    /// Whether events of `template` can be kept as recipes (else they are tracked whole).
    func rebuilds(_ template: Int) -> Bool { templates[template].tail != nil }

    /// A new app session, started at `startedAt` on the wall clock.
    func startSession(at startedAt: Date) {
        stamper.startSession(at: startedAt)
        sessionStarts.append(ProtoTimestamp(date: startedAt))
    }

    /// `message` stamped whole (a template whose bytes are not rebuilt).
    func stamp(_ message: any EventContract, intendedAt: Date, battery: BatteryModel) -> any EventContract {
        stamper.stamp(message, intendedAt: intendedAt, battery: battery)
    }

    /// The next event of `template`, intended at `intendedAt` (`wall` on the wall clock), with
    /// the battery as it is now.
    func prepare(_ template: Int, intendedAt: NIODeadline, wall: Date, battery: BatteryModel) -> PreparedEvent {
        let guid = stamper.nextGUID()
        let timestamp = ProtoTimestamp(date: wall)
        let context = currentContext(battery: EventStamper.batteryReading(battery))
        let recipe = recipe(template: UInt32(template), context: context)
        let size = contractSize(
            template: template, context: context, seconds: timestamp.seconds, nanos: timestamp.nanos)
        return PreparedEvent(
            contract: type(of: templates[template].message), guid: guid, intendedAt: intendedAt, timestamp: timestamp,
            recipe: recipe, contractSize: size)
    }

    private func currentContext(battery: (level: UInt32, charging: Bool)) -> UInt32 {
        let key = ContextKey(session: stamper.sessionNumber, level: battery.level, charging: battery.charging)
        if let last = contexts.last, last == key { return UInt32(contexts.count - 1) }
        contexts.append(key)
        contextSizes.append(0)
        let id = UInt32(contexts.count - 1)
        contextSizes[Int(id)] = contextBytes(id).count
        return id
    }

    private func recipe(template: UInt32, context: UInt32) -> UInt32 {
        let current = currentRecipes[Int(template)]
        if current != .max, recipes[Int(current)].context == context { return current }
        recipes.append((template, context))
        let recipe = UInt32(recipes.count - 1)
        currentRecipes[Int(template)] = recipe
        return recipe
    }

    /// The context's encoding, from the few kept or encoded again.
    private func contextBytes(_ id: UInt32) -> [UInt8] {
        if let index = encoded.lastIndex(where: { $0.context == id }) { return encoded[index].bytes }
        let key = contexts[Int(id)]
        let session = Int(key.session) - 1
        let startedAt = sessionStarts.indices.contains(session) ? sessionStarts[session] : ProtoTimestamp()
        let context =
            key.session == 0
            ? stamper.context(battery: (key.level, key.charging))
            : stamper.context(session: key.session, startedAt: startedAt, battery: (key.level, key.charging))
        let bytes: [UInt8] = (try? context.serializedBytes()) ?? []
        if encoded.count == 4 { encoded.removeFirst() }
        encoded.append((id, bytes))
        return bytes
    }

    private func contractSize(template: Int, context: UInt32, seconds: Int64, nanos: Int32) -> Int {
        WireWriter.delimitedSize(36)
            + WireWriter.delimitedSize(WireWriter.timestampBodySize(seconds: seconds, nanos: nanos))
            + WireWriter.delimitedSize(contextSizes[Int(context)]) + (templates[template].tail?.count ?? 0)
    }

    // MARK: EventPayloadSource

    func contractSize(recipe: UInt32, guid: EventGUID, seconds: Int64, nanos: Int32) -> Int {
        let (template, context) = recipes[Int(recipe)]
        return contractSize(template: Int(template), context: context, seconds: seconds, nanos: nanos)
    }

    func writeContract(recipe: UInt32, guid: EventGUID, seconds: Int64, nanos: Int32, into buffer: inout ByteBuffer) {
        let (template, context) = recipes[Int(recipe)]
        buffer.writeDelimitedTag(1, length: 36)
        guid.write(into: &buffer)
        buffer.writeTimestampField(2, seconds: seconds, nanos: nanos)
        let bytes = contextBytes(context)
        buffer.writeDelimitedTag(3, length: bytes.count)
        buffer.writeBytes(bytes)
        if let tail = templates[Int(template)].tail { buffer.writeBytes(tail) }
    }
}
