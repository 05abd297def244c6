import ClickstreamSDK
import NIOCore
import RaccoonWire
import Reports
import SwarmPrimitives

/// Turns one device's SDK funnel, connection and health steps into its loop's recorder figures:
/// funnel counters per event type, event latency from the intended time, batch round trip, time
/// to first ack, connection outcomes and notes; keeps the ack bitmap the delivery check compares
/// with the collector's. It lives on the device's loop, with the device (the SDK holds it weakly).
final class DeviceObserver: SDKObserver {
    /// The SDK's own closes, per flavor: iOS closes on low battery or no network, both on
    /// background. Each gets a note.
    static let sdkCloseReasons: Set<String> = ["low_battery", "network_unavailable", "App is paused"]

    private let recorder: RecorderShard
    private let group: Int
    private let flavor: String
    private let healthType: String
    private let keepsAcks: Bool
    private let log: DeviceLog

    /// Set at the end of the run: what the SDK reports while it is torn down is not counted.
    var isFinished = false
    /// The sequences of the device's acked events (only when `keepsAcks`).
    private(set) var ackedSequences = SequenceBitmap()
    /// When each request in flight was last sent, by request guid.
    private var sentAt: [String: NIODeadline] = [:]
    /// Since the device first joined, until its first ack.
    private var joinedAt: NIODeadline?
    private var everConnected = false
    /// An attempt neither connected nor failed yet.
    private var attemptPending = false
    /// The recorder's index of each event type seen.
    private var typeIndexes: [String: Int] = [:]
    /// By the store's type index: the recorder's index, `Self.health` for the SDK's health
    /// type, `Self.unknown` before the type's first event. The device has one store for the
    /// whole run and its type table only grows, so an index keeps its type.
    private var storeTypes: [Int] = []
    private static let unknown = -2
    private static let health = -1
    /// By `HealthEventName.ordinal`, the health records seen with their recorder indexes.
    private var healthSlots: [[HealthSlot]]
    private var notes: [String: Int] = [:]

    /// `group`: the device's group in `recorder`; `healthType`: the SDK's health event type,
    /// counted apart; `keepsAcks`: keep the ack bitmap; `log`: the device's timeline.
    init(recorder: RecorderShard, group: Int, flavor: SDKFlavor, healthType: String, keepsAcks: Bool, log: DeviceLog) {
        self.recorder = recorder
        self.group = group
        self.flavor = flavor.rawValue
        self.healthType = healthType
        self.keepsAcks = keepsAcks
        self.log = log
        healthSlots = Array(repeating: [], count: HealthEventName.allCases.count)
    }

    /// The run is over: an attempt still under way is counted as in flight at the end (so that
    /// attempts = connected + failed + in flight), and nothing after is counted.
    func finish() {
        guard !isFinished else { return }
        if attemptPending { recorder.connectInFlightAtEnd(group: group) }
        isFinished = true
    }

    /// The device joined the run: its time to first ack runs from its first join.
    func joined(at time: NIODeadline) {
        if joinedAt == nil { joinedAt = time }
    }

    func event(guid: String, type: String, step: FunnelStep, intendedAt: NIODeadline, at: NIODeadline) {
        guard !isFinished else { return }
        guard type != healthType else {
            if case .acked = step { note("health_events_acked") }
            return
        }
        if log.isTracing { log("event", step.timelineWhat, step.timelineDetails(guid: guid, type: type)) }
        count(step, type: index(of: type), identity: .text(guid), intendedAt: intendedAt, at: at)
    }

    /// The SDK's way in: a step of an event by ref, counted by the store's type index and the
    /// guid's number (the strings only when the device is traced).
    func event(_ ref: EventRef, types: EventTypeTable, step: FunnelStep, at: NIODeadline) {
        guard !isFinished else { return }
        let typeIndex = recorderType(ref.typeIndex, types)
        guard typeIndex != Self.health else {
            if case .acked = step { note("health_events_acked") }
            return
        }
        if log.isTracing {
            log("event", step.timelineWhat, step.timelineDetails(guid: ref.guid, type: types[ref.typeIndex]))
        }
        count(step, type: typeIndex, identity: ref.identity, intendedAt: ref.intendedAt, at: at)
    }

    func event(_ ref: EventRef, types: EventTypeTable, detail: FunnelDetail, at: NIODeadline) {
        guard !isFinished, recorderType(ref.typeIndex, types) != Self.health else { return }
        countDetail(detail)
        if log.isTracing {
            log(
                "event", detail.timelineWhat,
                detail.timelineDetails.merging(["guid": ref.guid, "type": types[ref.typeIndex]]) { $1 })
        }
    }

    /// The recorder's index of the store's type `index`, interned on the device's first event
    /// of that type (as `index(of:)`).
    private func recorderType(_ index: UInt16, _ types: EventTypeTable) -> Int {
        let slot = Int(index)
        if slot < storeTypes.count, storeTypes[slot] != Self.unknown {
            assert(storeTypes[slot] == Self.health || storeTypes[slot] == typeIndexes[types[index]])
            return storeTypes[slot]
        }
        if storeTypes.count <= slot {
            storeTypes.append(contentsOf: repeatElement(Self.unknown, count: slot + 1 - storeTypes.count))
        }
        let name = types[index]
        storeTypes[slot] = name == healthType ? Self.health : self.index(of: name)
        return storeTypes[slot]
    }

    private func count(
        _ step: FunnelStep, type typeIndex: Int, identity: EventIdentity, intendedAt: NIODeadline, at: NIODeadline
    ) {
        let time = at.uptimeNanoseconds
        switch step {
        case .generated:
            recorder.generated(type: typeIndex, group: group, at: time)
        case .sampledOut:
            recorder.sampledOut(type: typeIndex, group: group, at: time)
        case .dropped(let reason):
            recorder.dropped(type: typeIndex, group: group, reason: reason, at: time)
        case .stored, .batched:
            break
        case .sent(let requestGUID, let attempt):
            recorder.sent(type: typeIndex, group: group, attempt: attempt, at: time)
            sentAt[requestGUID] = at
            // A bound for requests that never get an answer; losing a round trip is harmless.
            if sentAt.count > 512 { sentAt.removeAll(keepingCapacity: true) }
        case .acked(let requestGUID):
            acked(identity, type: typeIndex, request: requestGUID, intendedAt: intendedAt, at: at)
        case .errorAnswer(_, let code):
            recorder.errorAnswer(type: typeIndex, group: group, code: code, at: time)
        case .timedOut:
            recorder.timedOut(type: typeIndex, group: group, at: time)
        case .released:
            recorder.released(type: typeIndex, group: group, at: time)
        }
    }

    /// An ack: the event's latency from its intended time, the batch's round trip from its last
    /// send (once per batch), the device's time to first ack (once), and the ack bitmap.
    private func acked(
        _ identity: EventIdentity, type: Int, request: String, intendedAt: NIODeadline, at: NIODeadline
    ) {
        let time = at.uptimeNanoseconds
        recorder.acked(type: type, group: group, intendedAt: intendedAt.uptimeNanoseconds, at: time)
        if let sent = sentAt.removeValue(forKey: request) {
            recorder.batchRoundTrip(group: group, nanoseconds: UInt64((at - sent).nanoseconds), at: time)
        }
        if let joined = joinedAt {
            recorder.timeToFirstAck(group: group, nanoseconds: UInt64(max(0, (at - joined).nanoseconds)))
            joinedAt = nil
        }
        guard keepsAcks else { return }
        switch identity {
        case .compact(let parsed): _ = ackedSequences.insert(parsed.sequence)
        case .text(let guid): if let parsed = EventGUID(guid) { _ = ackedSequences.insert(parsed.sequence) }
        }
    }

    func connection(_ step: ConnectionStep, at: NIODeadline) {
        guard !isFinished else { return }
        if log.isTracing { log("connection", step.timelineWhat, step.timelineDetails) }
        let time = at.uptimeNanoseconds
        switch step {
        case .attempt:
            recorder.connectAttempt(group: group, at: time)
            attemptPending = true
        case .connected(let took):
            attemptPending = false
            recorder.connected(group: group, timeToConnect: UInt64(max(0, took.nanoseconds)), at: time)
            if everConnected { recorder.reconnected(group: group, at: time) }
            everConnected = true
        case .failed(let reason, let detail):
            attemptPending = false
            recorder.connectFailed(group: group, reason: reason, detail: detail, at: time)
        case .closed(let code, let reason):
            recorder.disconnected(group: group, reason: code.map { "close \($0)" } ?? reason, at: time)
            if code == nil, Self.sdkCloseReasons.contains(reason) {
                recorder.note("\(flavor) closed socket: \(reason)")
            }
        }
    }

    /// A non-terminal step: counted as notes that explain duplicates at the collector. An
    /// Android row re-stamped after it was sent may reach the collector again under its next
    /// req_guid (the background rule); an answer the SDK no longer listens for leaves its events
    /// to be sent again.
    func event(guid: String, type: String, detail: FunnelDetail, intendedAt: NIODeadline, at: NIODeadline) {
        guard !isFinished, type != healthType else { return }
        countDetail(detail)
        if log.isTracing {
            log("event", detail.timelineWhat, detail.timelineDetails.merging(["guid": guid, "type": type]) { $1 })
        }
    }

    private func countDetail(_ detail: FunnelDetail) {
        switch detail {
        case .restamped(_, _, let wasSent):
            note(wasSent ? Self.restampedAfterSend : "android_restamped_unsent")
        case .reset:
            note("android_rows_reset_on_foreground")
        case .answerIgnored:
            note(Self.answersIgnored)
        }
    }

    /// A note, by the recorder's index of its name once seen.
    private func note(_ name: String) {
        if let index = notes[name] {
            recorder.note(at: index)
        } else {
            let index = recorder.noteIndex(name)
            notes[name] = index
            recorder.note(at: index)
        }
    }

    func undecodableAnswer(bytes: Int, at: NIODeadline) {
        guard !isFinished else { return }
        recorder.note("undecodable_answers")
        log("connection", "an answer that is not a SendEventResponse", ["bytes": "\(bytes)"])
    }

    /// The notes that explain duplicate deliveries beside the resends.
    static let restampedAfterSend = "android_restamped_after_send"
    static let answersIgnored = "answers_ignored"

    /// A health event with the flavor's exact upstream name, counted by name (and reason).
    func health(_ record: HealthRecord, at: NIODeadline) {
        guard !isFinished else { return }
        log("health", record.name, record.reason.map { ["reason": $0] } ?? [:])
        let slot = healthSlot(record)
        recorder.health(at: slot.health)
        if let note = slot.note { recorder.note(at: note) }
    }

    /// One kind of health record (its flavor's name and its reason) with the recorder's index
    /// of its counter and of its note, if it has one.
    private struct HealthSlot {
        var name: String
        var reason: String?
        var health: Int
        var note: Int?
    }

    /// The slot of `record`'s name and reason, interned on its first record (a phone below the
    /// battery threshold records one every tick, so the strings are not rebuilt each time).
    private func healthSlot(_ record: HealthRecord) -> HealthSlot {
        let ordinal = record.event.ordinal
        for slot in healthSlots[ordinal] where slot.name == record.name && slot.reason == record.reason {
            return slot
        }
        let health = recorder.healthIndex(record.reason.map { "\(record.name): \($0)" } ?? record.name)
        // Android skips its batches on low battery (iOS closes its socket instead).
        var note: Int?
        if record.event == .batchTriggerFailed, let reason = record.reason {
            note = recorder.noteIndex("\(flavor) batch skipped: \(reason)")
        }
        let slot = HealthSlot(name: record.name, reason: record.reason, health: health, note: note)
        healthSlots[ordinal].append(slot)
        return slot
    }

    /// The recorder's index of `type`, interned on the device's first event of that type.
    private func index(of type: String) -> Int {
        if let index = typeIndexes[type] { return index }
        let index = recorder.eventTypeIndex(type)
        typeIndexes[type] = index
        return index
    }
}
