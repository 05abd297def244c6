import Foundation
import NIOCore
import RaccoonWire

/// Launch, foreground, background and kill.
extension DeliveryStateMachine {
    /// The app launches this SDK instance on the phone's tables.
    public mutating func start(now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        guard state == .idle else { return [] }
        if case .newestOfAll = policy.batching {
            tables.prepare(.newestFirst)
        } else {
            tables.prepare(.perClassInsertion)
        }
        skipNextTick = policy.firstTickAfterLaunchSeesNoRows
        guard conditions.foreground else { return [] }
        return enterForeground(now: now, tables: &tables)
    }

    /// Battery, network or lifecycle changed.
    public mutating func conditionsChanged(
        _ new: DeviceConditions, now: NIODeadline, wallTime: Date, tables: inout DeliveryTables
    ) -> [Action] {
        guard !isKilled else { return [] }
        let old = conditions
        conditions = new
        _ = battery.update(new)
        if old.foreground, !new.foreground, isForeground {
            return enterBackground(now: now, wallTime: wallTime, tables: &tables)
        }
        if !old.foreground, new.foreground, !isForeground {
            return enterForeground(now: now, tables: &tables)
        }
        return []
    }

    /// The app is killed: what lived in memory is gone (Android's callbacks with their retry
    /// counts, iOS's timers and scheduled resends); the tables stay, less the retry cache when
    /// the policy does not persist it.
    public mutating func kill(now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        guard !isKilled else { return [] }
        state = .killed
        var actions: [Action] = []
        for write in instantWrites { actions.append(.funnel(write.refs, .dropped(reason: "app_killed"))) }
        instantWrites.removeAll()
        if !policy.retryCacheSurvivesKill { tables.requests.removeAll() }
        resends.removeAll()
        sweep = nil
        return actions
    }

    mutating func enterForeground(now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        var actions: [Action] = []
        sessions += 1
        activeSession = sessions
        // Android `CSNetworkManager.onStart`: one per foreground, socket open or not (`:180-188`).
        record(.connectionAttempt, actions: &actions, &tables)
        if policy.resetsInFlightRowsOnForeground { resetInFlightRows(&actions, &tables) }
        let ticks: [NIODeadline]
        switch policy.batching {
        case .newestOfAll(_, let firstTick, _): ticks = [now + firstTick]
        case .perPriority(let priorities): ticks = priorities.map { now + $0.period }
        }
        state = .foreground(Foreground(session: sessions, since: now, ticks: ticks))
        for (index, deadline) in ticks.enumerated() { actions.append(.schedule(.batch(index), at: deadline)) }
        return actions
    }

    /// Android `runResetOnGoingEvents()` (`CSForegroundEventScheduler.kt:219-232`): every row in
    /// flight is re-inserted eligible, in rowid order (new rowids).
    private mutating func resetInFlightRows(_ actions: inout [Action], _ tables: inout DeliveryTables) {
        let ids = tables.allInFlight
        guard !ids.isEmpty else { return }
        var groups: [(guid: String, refs: [EventRef])] = []
        for id in ids {
            guard let guid = tables.flight(id)?.inFlight, let ref = tables.ref(id) else { continue }
            if groups.last?.guid == guid {
                groups[groups.count - 1].refs.append(ref)
            } else {
                groups.append((guid, [ref]))
            }
        }
        for group in groups { actions.append(.detail(group.refs, .reset(requestGUID: group.guid))) }
        tables.release(ids, reinsert: true)
    }

    mutating func enterBackground(now: NIODeadline, wallTime: Date, tables: inout DeliveryTables) -> [Action] {
        var actions: [Action] = []
        activeSession = nil
        state = .background(since: now)
        switch policy.background {
        case .restampAll: restampAll(&actions, &tables)
        case .flushAll: flushAll(now: now, &actions, &tables)
        case .nothing: break
        }
        switch healthPolicy.delivery {
        case .rowsAtBackground: storeHealthRows(now: now, wallTime: wallTime, &actions, &tables)
        case .batchAtBackgroundIfAvailable: sendHealthBatch(now: now, wallTime: wallTime, &actions, &tables)
        }
        return actions
    }

    /// Android `flushAllEvents()` (`CSBackgroundEventScheduler.kt:131-144`): every row, in flight
    /// or not, newest first, re-stamped under one new req_guid and marked in flight, unsent.
    private mutating func restampAll(_ actions: inout [Action], _ tables: inout DeliveryTables) {
        let ids = tables.allNewestFirst
        guard let first = ids.first else { return }
        let guid = nextRequestGUID(&tables)
        if !(tables.isHealth(first) && healthPolicy.quietForHealthBatches) {
            record(.batchCreated, events: ids.count, batches: 1, batchGUID: guid, actions: &actions, &tables)
        }
        var groups: [(previous: String?, wasSent: Bool, refs: [EventRef])] = []
        for id in ids {
            guard let flight = tables.flight(id), let ref = tables.ref(id) else { continue }
            if let last = groups.last, last.previous == flight.inFlight, last.wasSent == flight.written {
                groups[groups.count - 1].refs.append(ref)
            } else {
                groups.append((flight.inFlight, flight.written, [ref]))
            }
        }
        for group in groups {
            actions.append(
                .detail(group.refs, .restamped(requestGUID: guid, previous: group.previous, wasSent: group.wasSent)))
        }
        tables.claim(ids, for: guid, reinsert: true)
        record(.flushOnBackground, events: ids.count, actions: &actions, &tables)
    }

    /// Android `flushHealthEvents()` (`:146-163`): the health table becomes rows of the event
    /// table, in flight under one more req_guid and unsent, stamped now so that they lead the
    /// next foreground's first batch.
    private mutating func storeHealthRows(
        now: NIODeadline, wallTime: Date, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        guard !tables.health.isEmpty else { return }
        let events = drainHealth(wallTime: wallTime, &tables)
        let guid = nextRequestGUID(&tables)
        let timestamp = Int64(wallTime.timeIntervalSince1970.rounded(.down))
        for event in events {
            tables.insert(
                guid: event.guid, eventClass: .internal, event: event.event, intendedAt: now, timestamp: timestamp,
                isHealth: true, inFlight: guid)
        }
    }

    /// iOS `flushAll()` (`EventBatchProcessor.swift:134-176`).
    private mutating func flushAll(now: NIODeadline, _ actions: inout [Action], _ tables: inout DeliveryTables) {
        flushOnConnect = false
        guard tables.hasWaiting else { return }
        guard available(&actions, &tables) else {
            flushOnConnect = true
            actions.append(.requestConnection)
            return
        }
        let ids = tables.allWaiting
        forward(ids, now: now, &actions, &tables)
        record(.flushOnBackground, events: ids.count, actions: &actions, &tables)
    }

    /// iOS `flushObservabilityEvents()` (`:218-224`): one internal batch, only if available.
    mutating func sendHealthBatch(
        now: NIODeadline, wallTime: Date, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        guard available(&actions, &tables), !tables.health.isEmpty else { return }
        let events = drainHealth(wallTime: wallTime, &tables)
        guard available(&actions, &tables) else { return }
        let guid = nextRequestGUID(&tables)
        let type = tables.types.index(of: SDKConfiguration.healthEventType)
        let entries = events.map { event in
            let bytes: [UInt8] = (try? event.event.serializedBytes()) ?? []
            return EventEntry(
                ref: EventRef(identity: EventIdentity(event.guid), typeIndex: type, intendedAt: now), timestamp: 0,
                payload: .encoded(ByteBuffer(bytes: bytes)))
        }
        let request = PendingRequest(
            guid: guid, entries: entries, rowIDs: [], kind: .health, lastSent: now, order: tables.takeOrder(),
            session: 0)
        tables.requests[guid] = request
        actions.append(.funnel(request.refs, .batched(requestGUID: guid)))
        armSweep(now: now, &actions, &tables)
        actions.append(.write(Write(requestGUID: guid, entries: request.entries, instant: false)))
    }

    private mutating func drainHealth(wallTime: Date, _ tables: inout DeliveryTables)
        -> [(guid: String, event: RaccoonEvent)]
    {
        var sequence = tables.requestSequence
        let prefix = "\(deviceID)-health-"
        let events = tables.health.drain(at: wallTime) {
            sequence += 1
            return prefix + String(sequence)
        }
        tables.requestSequence = sequence
        return events
    }
}
