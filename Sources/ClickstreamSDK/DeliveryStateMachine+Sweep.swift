import NIOCore

/// iOS: the retry cache's staleness check and its spaced resends
/// (`WebsocketRetryMechanism.swift:351-432`).
extension DeliveryStateMachine {
    /// Arms the next check at the sweep's phase (connect + k × interval) when the cache holds
    /// something; an idle sweep keeps its phase.
    mutating func armSweep(now: NIODeadline, _ actions: inout [Action], _ tables: inout DeliveryTables) {
        guard case .stalenessSweep(let interval, _, _, _) = policy.retry, var sweep, sweep.armedAt == nil,
            !tables.requests.isEmpty
        else { return }
        let elapsed = max(0, (now - sweep.anchor).nanoseconds)
        let next = sweep.anchor + .nanoseconds((elapsed / interval.nanoseconds + 1) * interval.nanoseconds)
        sweep.armedAt = next
        self.sweep = sweep
        actions.append(.schedule(.sweep, at: next))
    }

    /// `startObservingFailedBatches()`, on `.connected`, once (`:377-387`).
    mutating func startSweep(now: NIODeadline, _ actions: inout [Action], _ tables: inout DeliveryTables) {
        guard case .stalenessSweep = policy.retry, sweep == nil else { return }
        sweep = Sweep(anchor: now, armedAt: nil)
        armSweep(now: now, &actions, &tables)
    }

    /// `retryFailedBatches()` (`:395-432`).
    mutating func sweepFired(scheduledFor: NIODeadline, now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        guard !isKilled, case .stalenessSweep(let interval, let staleAfter, _, let keepsCounting) = policy.retry,
            var sweep, sweep.armedAt == scheduledFor
        else { return [] }
        var actions: [Action] = []
        sweep.armedAt = nil
        self.sweep = sweep
        // The PR #62 guard: the first check with the socket unavailable stops the sweep until
        // the next connect.
        if !available(&actions, &tables), !keepsCounting {
            self.sweep = nil
            return actions
        }
        let stale = tables.requestsInOrder.filter { (now - $0.lastSent) >= staleAfter }
        if !stale.isEmpty {
            let spacing = interval.nanoseconds / Int64(stale.count) / 2
            for (index, request) in stale.enumerated() {
                nextTicket += 1
                resends[nextTicket] = request
                actions.append(.schedule(.resend(nextTicket), at: now + .nanoseconds(spacing * Int64(index))))
            }
        }
        armSweep(now: scheduledFor, &actions, &tables)
        return actions
    }

    /// One spaced resend: `refreshBatchSentTimeStamp`, then `trackBatch` → `addToCache`, then the
    /// write, which goes out even after the entry was dropped. No availability check here.
    mutating func resend(_ ticket: UInt64, now: NIODeadline, tables: inout DeliveryTables) -> [Action] {
        guard !isKilled, case .stalenessSweep(_, _, let maxRetries, _) = policy.retry,
            let copy = resends.removeValue(forKey: ticket)
        else { return [] }
        var actions: [Action] = []
        if var entry = tables.requests[copy.guid] {
            if entry.retries >= maxRetries {
                // "Batch Dropped": the 22nd write (`:351-362`).
                tables.requests[copy.guid] = nil
                let quiet = entry.kind == .health && healthPolicy.quietForHealthBatches
                if !quiet {
                    record(
                        .batchDropped, events: entry.count, batches: 1, batchGUID: entry.guid, actions: &actions,
                        &tables)
                }
                if !entry.answered {
                    tables.delete(entry.rowIDs)
                    actions.append(.funnel(entry.refs, .dropped(reason: "retries_exhausted")))
                }
            } else {
                entry.retries += 1
                entry.lastSent = now
                tables.requests[copy.guid] = entry
            }
        } else {
            // Acked between the check and this resend: `addToCache` inserts it again, as new.
            var entry = copy
            entry.retries = 0
            entry.lastSent = now
            entry.answered = true
            entry.order = tables.takeOrder()
            tables.requests[copy.guid] = entry
            armSweep(now: now, &actions, &tables)
        }
        actions.append(.write(Write(requestGUID: copy.guid, entries: copy.entries, instant: false)))
        return actions
    }
}
