/// Records one event loop's figures: HDR histograms per device group, funnel counters per event
/// type and group, connection outcomes and a per-second series. Not thread-safe: every call
/// comes from the loop that owns it. Recording an event touches preallocated arrays by interned
/// index and allocates nothing, except when a new second, name or reason first appears.
/// Shards merge exactly through `snapshot()` and `RecorderSnapshot.merge`.
package final class RecorderShard {
    struct FunnelCell {
        var generated: UInt64 = 0
        var sampledOut: UInt64 = 0
        var acked: UInt64 = 0
        var sends: UInt64 = 0
        var resends: UInt64 = 0
        var timeouts: UInt64 = 0
        var errorAnswers: UInt64 = 0
        var released: UInt64 = 0
        /// Index = interned drop reason.
        var dropped: [UInt64] = []
    }

    private let runStart: UInt64
    private var eventTypes = NameInterner<String>()
    private var groups = NameInterner<DeviceGroup>()
    private var dropReasons = NameInterner<String>()
    private var failReasons = NameInterner<String>()
    private var closeReasons = NameInterner<String>()
    private var healthNames = NameInterner<String>()
    private var noteNames = NameInterner<String>()
    /// `[type][group]`.
    private var cells: [[FunnelCell]] = []
    private var latencies: [GroupLatencies] = []
    private var connectAttempts: UInt64 = 0
    private var connectedCount: UInt64 = 0
    private var failed: [UInt64] = []
    /// One detail per failure reason (the smallest seen, so shards merge to the same one).
    private var failureDetails: [String: String] = [:]
    private var inFlightAtEnd: UInt64 = 0
    private var disconnects: [UInt64] = []
    private var healthCounts: [UInt64] = []
    private var noteCounts: [UInt64] = []
    private var series: [SecondFigures] = []
    private var latestSecond = 0
    private var latestSecondLatency = CoarseAccumulator()
    private var progressLatency = CoarseAccumulator()
    private var totals = ProgressCounters()

    /// `runStart`: the run's start on a monotonic nanosecond clock; every `at:` is on the same clock.
    package init(runStart: UInt64) {
        self.runStart = runStart
    }

    // MARK: Interned dimensions

    package func eventTypeIndex(_ type: String) -> Int {
        let index = eventTypes.index(type)
        if index == cells.count {
            cells.append([FunnelCell](repeating: FunnelCell(), count: latencies.count))
        }
        return index
    }

    package func groupIndex(flavor: String, network: String) -> Int {
        let index = groups.index(DeviceGroup(flavor: flavor, network: network))
        if index == latencies.count {
            latencies.append(GroupLatencies())
            for type in cells.indices { cells[type].append(FunnelCell()) }
        }
        return index
    }

    // MARK: Funnel, per event

    package func generated(type: Int, group: Int, at: UInt64) {
        cells[type][group].generated &+= 1
        totals.generated &+= 1
        series[secondIndex(at)].generated &+= 1
    }

    package func sampledOut(type: Int, group: Int, at: UInt64) {
        cells[type][group].sampledOut &+= 1
        totals.sampledOut &+= 1
        series[secondIndex(at)].sampledOut &+= 1
    }

    package func dropped(type: Int, group: Int, reason: String, at: UInt64) {
        let reasonIndex = dropReasons.index(reason)
        if cells[type][group].dropped.count <= reasonIndex {
            cells[type][group].dropped.append(
                contentsOf: repeatElement(0, count: reasonIndex + 1 - cells[type][group].dropped.count))
        }
        cells[type][group].dropped[reasonIndex] &+= 1
        totals.dropped &+= 1
        series[secondIndex(at)].dropped &+= 1
    }

    /// `attempt` 1 is the first send; a higher attempt also counts as a resend.
    package func sent(type: Int, group: Int, attempt: Int, at: UInt64) {
        cells[type][group].sends &+= 1
        if attempt > 1 { cells[type][group].resends &+= 1 }
    }

    /// Event latency is `at - intendedAt`, from the scripted creation time, so a stall shows up.
    package func acked(type: Int, group: Int, intendedAt: UInt64, at: UInt64) {
        cells[type][group].acked &+= 1
        totals.acked &+= 1
        let nanoseconds = at > intendedAt ? at - intendedAt : 0
        latencies[group].event.record(nanoseconds: nanoseconds)
        let microseconds = nanoseconds / 1_000
        progressLatency.record(microseconds: microseconds)
        let second = secondIndex(at)
        series[second].acked &+= 1
        if second == latestSecond {
            latestSecondLatency.record(microseconds: microseconds)
        } else if second > latestSecond {
            latestSecondLatency.drain(into: &series[latestSecond].latency)
            latestSecond = second
            latestSecondLatency.record(microseconds: microseconds)
        } else {
            series[second].latency.record(microseconds: microseconds)
        }
    }

    package func timedOut(type: Int, group: Int, at: UInt64) {
        cells[type][group].timeouts &+= 1
    }

    package func errorAnswer(type: Int, group: Int, code: Int, at: UInt64) {
        cells[type][group].errorAnswers &+= 1
    }

    package func released(type: Int, group: Int, at: UInt64) {
        cells[type][group].released &+= 1
    }

    // MARK: Per batch, connection, device

    package func batchRoundTrip(group: Int, nanoseconds: UInt64, at: UInt64) {
        latencies[group].batchRoundTrip.record(nanoseconds: nanoseconds)
    }

    package func timeToFirstAck(group: Int, nanoseconds: UInt64) {
        latencies[group].timeToFirstAck.record(nanoseconds: nanoseconds)
    }

    package func connectAttempt(group: Int, at: UInt64) {
        connectAttempts &+= 1
    }

    package func connected(group: Int, timeToConnect: UInt64, at: UInt64) {
        connectedCount &+= 1
        totals.connects &+= 1
        latencies[group].connect.record(nanoseconds: timeToConnect)
        series[secondIndex(at)].connects &+= 1
    }

    /// `reason`: a `TransportFailure.word`; `detail`: what the system said, kept once per reason.
    package func connectFailed(group: Int, reason: String, detail: String? = nil, at: UInt64) {
        Self.add(1, to: &failed, at: failReasons.index(reason))
        if let detail, failureDetails[reason].map({ detail < $0 }) ?? true { failureDetails[reason] = detail }
        totals.connectFailures &+= 1
        series[secondIndex(at)].connectFailures &+= 1
    }

    /// A connection attempt still under way when the run ended: neither connected nor failed.
    package func connectInFlightAtEnd(group: Int) {
        inFlightAtEnd &+= 1
    }

    /// `reason` like `close 1008`, `dropped`, `app killed`.
    package func disconnected(group: Int, reason: String, at: UInt64) {
        Self.add(1, to: &disconnects, at: closeReasons.index(reason))
        totals.disconnects &+= 1
        series[secondIndex(at)].disconnects &+= 1
    }

    /// A device that had been connected before connected again (after `connected`). Counted in
    /// the progress line and as the note `reconnects`.
    package func reconnected(group: Int, at: UInt64) {
        totals.reconnects &+= 1
        note("reconnects")
    }

    /// A device's app session started.
    package func deviceOnline(group: Int, at: UInt64) {
        totals.devicesOnline += 1
        series[secondIndex(at)].devicesOnlineDelta += 1
    }

    /// A device's app session ended.
    package func deviceOffline(group: Int, at: UInt64) {
        totals.devicesOnline -= 1
        series[secondIndex(at)].devicesOnlineDelta -= 1
    }

    /// An SDK health event; counted by name (the reason is not kept).
    package func health(name: String, reason: String?) {
        Self.add(1, to: &healthCounts, at: healthNames.index(name))
    }

    /// The index of a health name (for `health(at:)`, which a caller that counts one name
    /// often uses instead of hashing the name each time).
    package func healthIndex(_ name: String) -> Int { healthNames.index(name) }

    /// An SDK health event by its name's index (`healthIndex`).
    package func health(at index: Int) {
        Self.add(1, to: &healthCounts, at: index)
    }

    /// A free-form named counter (`battery_low_entered`, `killed`, `offline_windows`, ...).
    package func note(_ counter: String, by: UInt64 = 1) {
        Self.add(by, to: &noteCounts, at: noteNames.index(counter))
    }

    /// The index of a note's name (for `note(at:)`).
    package func noteIndex(_ counter: String) -> Int { noteNames.index(counter) }

    /// A note by its name's index (`noteIndex`).
    package func note(at index: Int, by: UInt64 = 1) {
        Self.add(by, to: &noteCounts, at: index)
    }

    // MARK: Reading

    /// Running totals for the status line.
    package var progress: ProgressCounters {
        var counters = totals
        counters.latency = progressLatency.histogram
        return counters
    }

    /// A value copy of everything recorded so far. Copy-on-write: it shares storage with the
    /// shard, so the first record after a snapshot into each histogram (and the series) copies
    /// that one; take snapshots at the end or rarely, and use `progress` for a status line.
    package func snapshot() -> RecorderSnapshot {
        var snapshot = RecorderSnapshot()
        for (type, name) in eventTypes.names.enumerated() {
            for (group, key) in groups.names.enumerated() {
                let cell = cells[type][group]
                var counts = FunnelCounts()
                counts.generated = cell.generated
                counts.sampledOut = cell.sampledOut
                counts.acked = cell.acked
                counts.sends = cell.sends
                counts.resends = cell.resends
                counts.timeouts = cell.timeouts
                counts.errorAnswers = cell.errorAnswers
                counts.released = cell.released
                for (reason, count) in cell.dropped.enumerated() where count > 0 {
                    counts.dropped[dropReasons.names[reason]] = count
                }
                if counts != FunnelCounts() { snapshot.funnel[FunnelKey(eventType: name, group: key)] = counts }
            }
        }
        for (group, key) in groups.names.enumerated() { snapshot.latencies[key] = latencies[group] }
        snapshot.connections.attempts = connectAttempts
        snapshot.connections.connected = connectedCount
        snapshot.connections.failed = Self.named(failed, failReasons.names)
        snapshot.connections.failureDetails = failureDetails
        snapshot.connections.inFlightAtEnd = inFlightAtEnd
        snapshot.connections.disconnected = Self.named(disconnects, closeReasons.names)
        snapshot.health = Self.named(healthCounts, healthNames.names)
        snapshot.notes = Self.named(noteCounts, noteNames.names)
        snapshot.series = series
        if !latestSecondLatency.isEmpty {
            snapshot.series[latestSecond].latency.add(latestSecondLatency.histogram)
        }
        return snapshot
    }

    /// The second of `at` since the run start, with the series grown to hold it.
    @inline(__always)
    private func secondIndex(_ at: UInt64) -> Int {
        let second = at > runStart ? Int((at - runStart) / 1_000_000_000) : 0
        if second >= series.count {
            series.append(contentsOf: repeatElement(SecondFigures(), count: second + 1 - series.count))
        }
        return second
    }

    @inline(__always)
    private static func add(_ count: UInt64, to counts: inout [UInt64], at index: Int) {
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
        counts[index] &+= count
    }

    private static func named(_ counts: [UInt64], _ names: [String]) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for (index, count) in counts.enumerated() where count > 0 { result[names[index]] = count }
        return result
    }
}
