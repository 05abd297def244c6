extension CollectorStats {
    /// A few lines for a person at a terminal.
    public var summary: String {
        var lines: [String] = []
        lines.append(
            "connections: \(connections.current) open, \(connections.acceptedTotal) accepted, rejected "
                + "\(connections.rejectedMaxConnections) over the cap, \(connections.rejectedDuplicateIdentity) "
                + "duplicate identity, \(connections.refusedDuringOutage) during outage")
        lines.append(
            "batches: \(batches.received) received (\(batches.protobuf) protobuf, \(batches.json) JSON, "
                + "\(batches.rest) REST, \(batches.grpc ?? 0) gRPC), \(batches.ok) ok, \(batches.errorInjected) error answers, "
                + "\(batches.ackLost) acks lost, \(batches.lostAfterAck) lost after ack, "
                + "\(batches.deduplicated) deduplicated, \(batches.badRequest) bad, "
                + "\(batches.tooLarge) too large")
        lines.append(
            "events: \(events.received) received, \(events.delivered) delivered, \(events.uniqueDeliveries) unique, "
                + "\(events.duplicateDeliveries) duplicates, \(events.foreign) foreign, \(events.bytes) payload bytes")
        if events.lostAfterAck > 0 {
            lines.append(
                "warning: \(events.lostAfterAck) events were acked OK and then lost by a failed publish "
                    + "(immediate acks, as Raccoon's EVENT_ACK=0; use --ack after-publish to answer failures)")
        }
        if events.emptyEventBytes > 0 || batches.jsonUnknownKeys > 0 {
            lines.append(
                "warning: \(events.emptyEventBytes) events had empty event_bytes and \(batches.jsonUnknownKeys) "
                    + "JSON keys were ignored (a client writing \"eventBytes\" instead of \"event_bytes\"?)")
        }
        for type in events.byType.keys.sorted() {
            let counts = events.byType[type]!
            lines.append(
                "  \(type): \(counts.received) received, \(counts.delivered) delivered, \(counts.bytes) bytes")
        }
        if let sink {
            lines.append(
                "sink: \(sink.linesWritten) lines written to \(sink.path), \(sink.linesDropped) dropped, "
                    + "\(sink.writeErrors) write errors")
        }
        if let throttle {
            lines.append(
                "throttle: at most \(Int(throttle.maxEventsPerSecond)) events/s, \(throttle.throttledReads) reads held, "
                    + "\(String(format2: throttle.throttleWaitSeconds)) s waited")
        }
        if ackLatency.count > 0 {
            let mean = ackLatency.sumSeconds / Double(ackLatency.count) * 1000
            lines.append("ack latency: \(ackLatency.count) answers, mean \(String(format2: mean)) ms")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    init(format2 value: Double) {
        let scaled = (value * 100).rounded() / 100
        self = "\(scaled)"
    }
}
