import NIOCore

/// What the collector keeps per event loop: its core and its open WebSocket sessions. Only ever
/// touched on its own loop (it lives in a `NIOLoopBoundBox`).
final class CollectorShard {
    var core: CollectorCore
    var protection = ProtectionCounters()
    /// The loop's events already charged to the ingest throttle (`IngestThrottle.charge`).
    var throttleCharged: UInt64 = 0
    private var sessions: [ObjectIdentifier: WebSocketSessionHandler] = [:]

    init(core: CollectorCore) {
        self.core = core
    }

    func add(_ session: WebSocketSessionHandler) { sessions[ObjectIdentifier(session)] = session }

    func remove(_ session: WebSocketSessionHandler) { sessions[ObjectIdentifier(session)] = nil }

    var sessionCount: Int { sessions.count }

    func apply(_ faults: FaultSettings) {
        let wasStalled = core.faults.publishStall
        core.faults = faults
        if faults.outage {
            for session in sessions.values { session.closeForOutage() }
        }
        if wasStalled, !faults.publishStall {
            for session in sessions.values { session.resumeAfterStall() }
        }
    }

    func closeAll() {
        for session in sessions.values { session.closeForShutdown() }
    }
}
