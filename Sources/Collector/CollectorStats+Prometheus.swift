import SwarmPrimitives

extension CollectorStats {
    /// Prometheus text exposition (version 0.0.4) of the figures, as `GET /metrics` serves them.
    /// One family after another, in the order of `/stats`: long, but a flat list reads best.
    public var prometheusText: String {
        var out = PrometheusText(prefix: "clickswarm_collector_")

        out.family("uptime_seconds", .gauge, "Seconds since the collector started.")
        out.sample("uptime_seconds", [], uptimeSeconds)
        out.family("connections", .gauge, "WebSocket connections open now.")
        out.sample("connections", [], UInt64(connections.current))
        out.family("connections_accepted_total", .counter, "WebSocket connections accepted.")
        out.sample("connections_accepted_total", [], connections.acceptedTotal)
        out.family("connections_closed_total", .counter, "Accepted WebSocket connections that have closed.")
        out.sample("connections_closed_total", [], connections.closedTotal)
        out.family("connections_rejected_total", .counter, "WebSocket connections rejected, by reason.")
        out.sample("connections_rejected_total", [("reason", "max_connections")], connections.rejectedMaxConnections)
        out.sample(
            "connections_rejected_total", [("reason", "duplicate_identity")], connections.rejectedDuplicateIdentity)
        out.sample("connections_rejected_total", [("reason", "outage")], connections.refusedDuringOutage)

        out.family("batches_total", .counter, "Requests received, by outcome.")
        let outcomes: [(String, UInt64)] = [
            ("ok", batches.ok), ("error_injected", batches.errorInjected), ("ack_lost", batches.ackLost),
            ("lost_after_ack", batches.lostAfterAck), ("publish_failed", batches.publishFailed),
            ("deduplicated", batches.deduplicated), ("bad_request", batches.badRequest),
            ("too_large", batches.tooLarge),
        ]
        for (status, value) in outcomes { out.sample("batches_total", [("status", status)], value) }
        out.family("batches_received_total", .counter, "Requests received, by encoding.")
        out.sample("batches_received_total", [("encoding", "protobuf")], batches.protobuf)
        out.sample("batches_received_total", [("encoding", "json")], batches.json)
        out.family("rest_requests_total", .counter, "Requests received over REST.")
        out.sample("rest_requests_total", [], batches.rest)
        out.family("grpc_requests_total", .counter, "SendEvent calls received over gRPC.")
        out.sample("grpc_requests_total", [], batches.grpc ?? 0)
        out.family("received_bytes_total", .counter, "Bytes of request messages received.")
        out.sample("received_bytes_total", [], batches.bytes)
        out.family("bad_requests_total", .counter, "Requests that could not be decoded or were too large.")
        out.sample("bad_requests_total", [], batches.badRequest + batches.tooLarge)
        out.family("json_unknown_keys_total", .counter, "JSON keys no field matched (Raccoon ignores them).")
        out.sample("json_unknown_keys_total", [], batches.jsonUnknownKeys)

        out.family("events_total", .counter, "Events received, by type and status.")
        for type in events.byType.keys.sorted() {
            let counts = events.byType[type]!
            let statuses: [(String, UInt64)] = [
                ("delivered", counts.delivered), ("error_injected", counts.errorInjected),
                ("ack_lost", counts.ackLost), ("lost_after_ack", counts.lostAfterAck),
                ("publish_failed", counts.publishFailed),
                ("deduplicated", counts.deduplicated),
            ]
            for (status, value) in statuses { out.sample("events_total", [("type", type), ("status", status)], value) }
        }
        out.family(
            "event_types_folded", .gauge,
            "Distinct event types counted under type=\"other\" rather than by name (estimated).")
        out.sample("event_types_folded", [], events.typesFoldedIntoOther)
        out.family("event_bytes_total", .counter, "Bytes of event payloads received, by type.")
        for type in events.byType.keys.sorted() {
            out.sample("event_bytes_total", [("type", type)], events.byType[type]!.bytes)
        }
        out.family(
            "lost_after_ack_events_total", .counter,
            "Events acked OK before publishing whose publish then failed (immediate acks): lost.")
        out.sample("lost_after_ack_events_total", [], events.lostAfterAck)
        out.family("unique_deliveries_total", .counter, "Distinct ClickSwarm event guids delivered.")
        out.sample("unique_deliveries_total", [], events.uniqueDeliveries)
        out.family("duplicate_deliveries_total", .counter, "Deliveries of a ClickSwarm guid delivered before.")
        out.sample("duplicate_deliveries_total", [], events.duplicateDeliveries)
        out.family("foreign_events_total", .counter, "Delivered events without a ClickSwarm guid.")
        out.sample("foreign_events_total", [], events.foreign)
        out.family("empty_event_bytes_total", .counter, "Delivered events with empty event_bytes.")
        out.sample("empty_event_bytes_total", [], events.emptyEventBytes)

        out.family("ack_latency_seconds", .histogram, "Time from receiving a request to writing its answer.")
        for bucket in ackLatency.buckets {
            out.sample("ack_latency_seconds_bucket", [("le", PrometheusText.number(bucket.le))], bucket.count)
        }
        out.sample("ack_latency_seconds_bucket", [("le", "+Inf")], ackLatency.count)
        out.sample("ack_latency_seconds_sum", [], ackLatency.sumSeconds)
        out.sample("ack_latency_seconds_count", [], ackLatency.count)

        writeProtection(to: &out)
        writeKafka(to: &out)
        out.family("fault_outage", .gauge, "1 while the injected outage is on.")
        out.sample("fault_outage", [], faults.outage ? 1.0 : 0)
        out.family("fault_publish_stall", .gauge, "1 while the injected publish stall is on.")
        out.sample("fault_publish_stall", [], faults.publishStall ? 1.0 : 0)
        out.family("fault_ack_loss_probability", .gauge, "Injected probability of dropping an ack.")
        out.sample("fault_ack_loss_probability", [], faults.ackLoss)
        out.family("fault_error_probability", .gauge, "Injected probability of an error answer.")
        out.sample("fault_error_probability", [], faults.errorRate)
        return out.text
    }

    /// The protection counters and, with `--ndjson`, the sink's.
    private func writeProtection(to out: inout PrometheusText) {
        out.family(
            "slow_reader_pauses_total", .counter, "Times a connection stopped being read: it did not read its answers.")
        out.sample("slow_reader_pauses_total", [], protection.slowReaderPauses)
        out.family("slow_readers_paused", .gauge, "Connections not being read now because their answers queue up.")
        out.sample("slow_readers_paused", [], UInt64(max(0, protection.slowReadersPaused)))
        out.family("request_timeouts_total", .counter, "HTTP connections closed for a slow request, by part.")
        out.sample("request_timeouts_total", [("part", "head")], protection.requestHeadTimeouts)
        out.sample("request_timeouts_total", [("part", "body")], protection.requestBodyTimeouts)
        out.family("http_protocol_errors_total", .counter, "Connections closed after a malformed HTTP request.")
        out.sample("http_protocol_errors_total", [], protection.httpProtocolErrors)
        out.family("accept_errors_total", .counter, "Failed accepts (out of file descriptors), each backed off.")
        out.sample("accept_errors_total", [], protection.acceptErrors)
        if let throttle {
            out.family("max_events_per_second", .gauge, "The ingest throttle's limit (max_events_per_second).")
            out.sample("max_events_per_second", [], throttle.maxEventsPerSecond)
            out.family("throttled_reads_total", .counter, "Reads held back: the ingest throttle's bucket was in debt.")
            out.sample("throttled_reads_total", [], throttle.throttledReads)
            out.family("throttle_wait_seconds_total", .counter, "Seconds held reads waited, summed over connections.")
            out.sample("throttle_wait_seconds_total", [], throttle.throttleWaitSeconds)
            out.family("throttle_reads_held", .gauge, "Connections whose read waits for the ingest throttle now.")
            out.sample("throttle_reads_held", [], UInt64(throttle.readsHeld))
        }
        if let sink {
            out.family("sink_lines_written_total", .counter, "Lines the NDJSON sink wrote.")
            out.sample("sink_lines_written_total", [], sink.linesWritten)
            out.family("sink_lines_dropped_total", .counter, "Lines the NDJSON sink could not write.")
            out.sample("sink_lines_dropped_total", [], sink.linesDropped)
            out.family("sink_write_errors_total", .counter, "Failed writes of the NDJSON sink.")
            out.sample("sink_write_errors_total", [], sink.writeErrors)
        }
    }

    /// With `--kafka`: the publisher's messages, as Raccoon's `kafka_messages_delivered_total` and
    /// `kafka_messages_undelivered_total`, the second by librdkafka's reason.
    private func writeKafka(to out: inout PrometheusText) {
        guard let kafka else { return }
        out.family("kafka_messages_delivered_total", .counter, "Events the Kafka brokers stored.")
        out.sample("kafka_messages_delivered_total", [], kafka.delivered)
        out.family(
            "kafka_messages_undelivered_total", .counter, "Events not published to Kafka, by librdkafka's reason.")
        for reason in kafka.failed.keys.sorted() {
            out.sample("kafka_messages_undelivered_total", [("reason", reason)], kafka.failed[reason]!)
        }
        out.family("kafka_messages_in_flight", .gauge, "Events handed to Kafka still waiting for their report.")
        out.sample("kafka_messages_in_flight", [], kafka.inFlight)
    }
}
