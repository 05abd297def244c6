import NIOCore
import RaccoonWire

/// Tracking, the batch timers, cutting and writing.
extension DeliveryStateMachine {
    /// The app tracked an event (already sampled and wrapped).
    public mutating func track(_ tracked: TrackedEvent, now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        var tracked = tracked
        let typeIndex = tracked.typeIndex ?? tables.types.index(of: tracked.type, contractName: tracked.contractName)
        tracked.typeIndex = typeIndex
        let ref = EventRef(identity: tracked.identity, typeIndex: typeIndex, intendedAt: tracked.intendedAt)
        // Android `CSEventProcessor.kt:43-50`: every tracked event, instants included.
        record(.eventReceived, events: 1, actions: &actions, &tables)
        record(.eventReceivedForDropRate, events: 1, actions: &actions, &tables)
        if tracked.eventClass == .instant {
            sendInstant(tracked, ref: ref, &actions, &tables)
            return actions
        }
        if case .dropped(let reason) = tables.insert(tracked) {
            actions.append(.funnel([ref], .dropped(reason: reason)))
            return actions
        }
        if case .perPriority = policy.batching, tracked.eventClass != policy.immediateClass {
            // iOS regulator `observe`: the serialized Raccoon event, this launch only.
            regulatorBytes += tracked.eventSize
            regulatorEvents += 1
        }
        record(.eventCached, events: 1, actions: &actions, &tables)
        actions.append(.funnel([ref], .stored))
        if let immediate = policy.immediateClass, tracked.eventClass == immediate, available(&actions, &tables) {
            forward(tables.oldestWaiting(immediate, limit: 0), now: now, &actions, &tables)
        }
        return actions
    }

    /// QoS0: written once, never stored or retried, no ack timer. iOS checks availability
    /// first (`EventBatchCreator.swift:50`); Android writes blindly and the write fails without a
    /// socket (`CSNetworkRepository.kt:110-116`).
    private mutating func sendInstant(
        _ tracked: TrackedEvent, ref: EventRef, _ actions: inout [Action], _ tables: inout DeliveryTables
    ) {
        if policy.checksAvailabilityOnEveryForward, !available(&actions, &tables) {
            actions.append(.funnel([ref], .dropped(reason: "socket_not_open")))
            return
        }
        let guid = nextRequestGUID(&tables)
        instantWrites.append((guid, [ref]))
        actions.append(.funnel([ref], .batched(requestGUID: guid)))
        let entry = EventEntry(ref: ref, timestamp: tracked.timestamp, payload: tracked.payload)
        actions.append(.write(Write(requestGUID: guid, entries: [entry], instant: true)))
    }

    /// A batch timer fired.
    mutating func tick(_ index: Int, scheduledFor: NIODeadline, now: NIODeadline, tables: inout DeliveryTables)
        -> [Action]
    {
        guard case .foreground(var foreground) = state, foreground.ticks.indices.contains(index),
            foreground.ticks[index] == scheduledFor
        else { return [] }
        var actions: [Action] = []
        switch policy.batching {
        case .newestOfAll(let eventsPerBatch, _, let period):
            foreground.ticks[index] = scheduledFor + period
            state = .foreground(foreground)
            actions.append(.schedule(.batch(index), at: scheduledFor + period))
            if skipNextTick {
                skipNextTick = false
                return actions
            }
            // `CSForegroundEventScheduler.kt:196-215`, `CSBaseEventScheduler.kt:115-146`: an
            // empty list records nothing; the battery is checked first, one failure per tick.
            let ids = tables.newestWaiting(eventsPerBatch)
            guard !ids.isEmpty else { return actions }
            if battery.low {
                record(.batchTriggerFailed, reason: "low_battery", actions: &actions, &tables)
            } else if !conditions.networkReachable {
                record(.batchTriggerFailed, reason: "network_unavailable", actions: &actions, &tables)
            } else if !socketFlag {
                record(.batchTriggerFailed, reason: "socket_not_open", actions: &actions, &tables)
            } else {
                cut(ids, now: now, &actions, &tables)
            }
        case .perPriority(let priorities):
            let priority = priorities[index]
            foreground.ticks[index] = scheduledFor + priority.period
            state = .foreground(foreground)
            actions.append(.schedule(.batch(index), at: scheduledFor + priority.period))
            // `EventBatchProcessor.swift:67-90`.
            guard available(&actions, &tables) else { return actions }
            let ids: [UInt64]
            if let maxBytes = priority.maxBatchBytes {
                ids = tables.oldestWaiting(priority.eventClass, limit: regulatedCount(maxBytes, &tables))
            } else {
                ids = tables.allWaiting
            }
            if !ids.isEmpty { forward(ids, now: now, &actions, &tables) }
        }
        return actions
    }

    /// iOS `regulatedNumberOfItemsPerBatch` (`EventBatchSizeRegulator.swift:29-42`): integer
    /// divisions, stored for the next launch; 0 (nothing stored yet on a fresh install, or an
    /// average above the budget) takes the whole priority.
    mutating func regulatedCount(_ maxBytes: Int, _ tables: inout DeliveryTables) -> Int {
        if regulatorEvents > 0, regulatorBytes > 0 {
            let average = regulatorBytes / regulatorEvents
            tables.regulatedBatchCount = average > 0 ? maxBytes / average : 0
        }
        return tables.regulatedBatchCount
    }

    /// iOS `forward` (`EventBatchCreator.swift:49-57`): checks availability again, then cuts.
    mutating func forward(_ ids: [UInt64], now: NIODeadline, _ actions: inout [Action], _ tables: inout DeliveryTables)
    {
        guard !ids.isEmpty else { return }
        if policy.checksAvailabilityOnEveryForward, !available(&actions, &tables) { return }
        cut(ids, now: now, &actions, &tables)
    }

    /// One new batch of these rows under a new req_guid, written at once.
    mutating func cut(_ ids: [UInt64], now: NIODeadline, _ actions: inout [Action], _ tables: inout DeliveryTables) {
        var entries: [EventEntry] = []
        var rowIDs: [UInt64] = []
        entries.reserveCapacity(ids.count)
        rowIDs.reserveCapacity(ids.count)
        for id in ids {
            guard let entry = tables.entry(id) else { continue }
            entries.append(entry)
            rowIDs.append(id)
        }
        guard let first = rowIDs.first else { return }
        let guid = nextRequestGUID(&tables)
        let kind: PendingRequest.Kind = tables.isHealth(first) ? .health : .events
        let quiet = kind == .health && healthPolicy.quietForHealthBatches
        if !quiet {
            record(.batchCreated, events: entries.count, batches: 1, batchGUID: guid, actions: &actions, &tables)
        }
        let request = PendingRequest(
            guid: guid, entries: entries, rowIDs: rowIDs, kind: kind, lastSent: now, order: tables.takeOrder(),
            session: activeSession ?? 0)
        // Android re-inserts the rows with the batch's guid (`CSBaseEventScheduler.kt:231-240`);
        // iOS moves them out of the event table into the retry cache.
        tables.claim(request.rowIDs, for: guid, reinsert: tables.indexing == .newestFirst)
        tables.requests[guid] = request
        actions.append(.funnel(request.refs, .batched(requestGUID: guid)))
        if !policy.batchSentOnEveryWrite, !quiet {
            record(.batchSent, events: entries.count, batches: 1, batchGUID: guid, actions: &actions, &tables)
        }
        armSweep(now: now, &actions, &tables)
        actions.append(.write(Write(requestGUID: guid, entries: request.entries, instant: false)))
    }

    /// The outcome of a `.write`: `ok` when the transport took it.
    public mutating func written(_ write: Write, ok: Bool, now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        guard !isKilled else { return [] }
        var actions: [Action] = []
        let request = tables.requests[write.requestGUID]
        if ok || socket == .upUntilWriteFails {
            lastWrite = LastWrite(
                guid: write.requestGUID, count: write.count, kind: request?.kind ?? .events, instant: write.instant)
        }
        if !ok, socket == .upUntilWriteFails {
            socketErrored(batchGUID: write.requestGUID, count: write.count, &actions, &tables)
        }
        if write.instant {
            guard let index = instantWrites.lastIndex(where: { $0.guid == write.requestGUID }) else { return actions }
            let refs = instantWrites[index].refs
            if ok {
                actions.append(.funnel(refs, .sent(requestGUID: write.requestGUID, attempt: 1)))
            } else {
                instantWrites.remove(at: index)
                actions.append(.funnel(refs, .dropped(reason: "socket_not_open")))
            }
            return actions
        }
        guard var request else { return actions }
        if ok {
            request.writes += 1
            if !request.answered {
                actions.append(.funnel(request.refs, .sent(requestGUID: request.guid, attempt: request.writes)))
            }
            tables.markWritten(request.rowIDs)
            if policy.batchSentOnEveryWrite, !(request.kind == .health && healthPolicy.quietForHealthBatches) {
                record(
                    .batchSent, events: request.count, batches: 1, batchGUID: request.guid, actions: &actions,
                    &tables)
            }
        }
        if case .perBatchTimer(let timeout, _) = policy.retry, !request.exhausted {
            // `observeTimeout()` after every send, written or not (`CSRetryableCallback.kt:146`).
            request.timeoutAt = now + timeout
            actions.append(.schedule(.ackTimeout(request.guid), at: now + timeout))
        }
        tables.requests[request.guid] = request
        return actions
    }
}
