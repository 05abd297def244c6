import NIOCore

/// One event loop's counters and connections. Only touched on its loop, so nothing is locked
/// per batch; the main thread reads it by submitting `snapshot()` to the loop.
final class LoopTally {
    var batchesSent: UInt64 = 0
    var batchesAcked: UInt64 = 0
    var eventsAcked: UInt64 = 0
    /// Answers whose status was not success (rejections included).
    var errorAnswers: UInt64 = 0
    /// Answers whose req_guid matched no batch in flight on that connection.
    var unmatchedAnswers: UInt64 = 0
    /// Text or other frames a collector should not send.
    var unexpectedFrames: UInt64 = 0
    /// Connections the collector closed, or that dropped, before the load tool asked.
    var unexpectedCloses: UInt64 = 0
    /// Pipeline errors (bad frames, socket errors).
    var channelErrors: UInt64 = 0
    /// Batches still unanswered when their connection closed.
    var unansweredAtClose: UInt64 = 0
    /// The first few error texts, for the report.
    var errorSamples: [String] = []
    /// Set once every connection is up: connections upgraded later start at once.
    var started = false
    /// Set when the measured window is over: connections send nothing new.
    var stopping = false
    var handlers: [LoadConnectionHandler] = []

    func noteError(_ text: String) {
        if errorSamples.count < 5 { errorSamples.append(text) }
    }

    func snapshot() -> TallySnapshot {
        TallySnapshot(
            batchesSent: batchesSent, batchesAcked: batchesAcked, eventsAcked: eventsAcked,
            errorAnswers: errorAnswers, unmatchedAnswers: unmatchedAnswers, unexpectedFrames: unexpectedFrames,
            unexpectedCloses: unexpectedCloses, channelErrors: channelErrors, unansweredAtClose: unansweredAtClose,
            inFlight: UInt64(handlers.reduce(0) { $0 + $1.inFlightCount }), errorSamples: errorSamples)
    }

    /// Starts the load on every connection of this loop that is upgraded.
    func startAll() {
        started = true
        for handler in handlers { handler.start() }
    }

    /// Ends sending on every connection of this loop: each closes once its batches are answered.
    func stopAll() {
        stopping = true
        for handler in handlers { handler.beginStop() }
    }
}

/// Counters of one loop, or of all of them merged.
struct TallySnapshot: Sendable, Codable {
    var batchesSent: UInt64 = 0
    var batchesAcked: UInt64 = 0
    var eventsAcked: UInt64 = 0
    var errorAnswers: UInt64 = 0
    var unmatchedAnswers: UInt64 = 0
    var unexpectedFrames: UInt64 = 0
    var unexpectedCloses: UInt64 = 0
    var channelErrors: UInt64 = 0
    var unansweredAtClose: UInt64 = 0
    var inFlight: UInt64 = 0
    var errorSamples: [String] = []

    var errors: UInt64 {
        errorAnswers + unmatchedAnswers + unexpectedFrames + unexpectedCloses + channelErrors + unansweredAtClose
    }

    mutating func merge(_ other: TallySnapshot) {
        batchesSent += other.batchesSent
        batchesAcked += other.batchesAcked
        eventsAcked += other.eventsAcked
        errorAnswers += other.errorAnswers
        unmatchedAnswers += other.unmatchedAnswers
        unexpectedFrames += other.unexpectedFrames
        unexpectedCloses += other.unexpectedCloses
        channelErrors += other.channelErrors
        unansweredAtClose += other.unansweredAtClose
        inFlight += other.inFlight
        errorSamples += other.errorSamples.prefix(max(0, 5 - errorSamples.count))
    }
}
