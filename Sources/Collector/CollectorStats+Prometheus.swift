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
        out.counter("connections_accepted_total", "WebSocket connections accepted.", connections.acceptedTotal)
        out.counter(
            "connections_closed_total", "Accepted WebSocket connections that have closed.", connections.closedTotal)
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
        out.counter("rest_requests_total", "Requests received over REST.", batches.rest)
        out.counter("grpc_requests_total", "SendEvent calls received over gRPC.", batches.grpc ?? 0)
        out.counter("received_bytes_total", "Bytes of request messages received.", batches.bytes)
        out.counter(
            "bad_requests_total", "Requests that could not be decoded or were too large.",
            batches.badRequest + batches.tooLarge)
        out.counter(
            "json_unknown_keys_total", "JSON keys no field matched (Raccoon ignores them).", batches.jsonUnknownKeys)

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
        out.counter("unique_deliveries_total", "Distinct ClickSwarm event guids delivered.", events.uniqueDeliveries)
        out.counter(
            "duplicate_deliveries_total", "Deliveries of a ClickSwarm guid delivered before.",
            events.duplicateDeliveries)
        out.counter("foreign_events_total", "Delivered events without a ClickSwarm guid.", events.foreign)
        out.counter("empty_event_bytes_total", "Delivered events with empty event_bytes.", events.emptyEventBytes)

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
        out.counter(
            "slow_reader_pauses_total", "Times a connection stopped being read: it did not read its answers.",
            protection.slowReaderPauses)
        out.family("slow_readers_paused", .gauge, "Connections not being read now because their answers queue up.")
        out.sample("slow_readers_paused", [], UInt64(max(0, protection.slowReadersPaused)))
        out.family("request_timeouts_total", .counter, "HTTP connections closed for a slow request, by part.")
        out.sample("request_timeouts_total", [("part", "head")], protection.requestHeadTimeouts)
        out.sample("request_timeouts_total", [("part", "body")], protection.requestBodyTimeouts)
        out.counter(
            "http_protocol_errors_total", "Connections closed after a malformed HTTP request.",
            protection.httpProtocolErrors)
        out.counter(
            "accept_errors_total", "Failed accepts (out of file descriptors), each backed off.", protection.acceptErrors
        )
        if let throttle {
            out.family("max_events_per_second", .gauge, "The ingest throttle's limit (max_events_per_second).")
            out.sample("max_events_per_second", [], throttle.maxEventsPerSecond)
            out.counter(
                "throttled_reads_total", "Reads held back: the ingest throttle's bucket was in debt.",
                throttle.throttledReads)
            out.family("throttle_wait_seconds_total", .counter, "Seconds held reads waited, summed over connections.")
            out.sample("throttle_wait_seconds_total", [], throttle.throttleWaitSeconds)
            out.family("throttle_reads_held", .gauge, "Connections whose read waits for the ingest throttle now.")
            out.sample("throttle_reads_held", [], UInt64(throttle.readsHeld))
        }
        if let sink {
            out.counter("sink_lines_written_total", "Lines the NDJSON sink wrote.", sink.linesWritten)
            out.counter("sink_lines_dropped_total", "Lines the NDJSON sink could not write.", sink.linesDropped)
            out.counter("sink_write_errors_total", "Failed writes of the NDJSON sink.", sink.writeErrors)
        }
    }

    /// With `--kafka`: the publisher's messages, as Raccoon's `kafka_messages_delivered_total` and
    /// `kafka_messages_undelivered_total`, the second by librdkafka's reason.
    private func writeKafka(to out: inout PrometheusText) {
        guard let kafka else { return }
        out.counter("kafka_messages_delivered_total", "Events the Kafka brokers stored.", kafka.delivered)
        out.family(
            "kafka_messages_undelivered_total", .counter, "Events not published to Kafka, by librdkafka's reason.")
        for reason in kafka.failed.keys.sorted() {
            out.sample("kafka_messages_undelivered_total", [("reason", reason)], kafka.failed[reason]!)
        }
        out.family("kafka_messages_in_flight", .gauge, "Events handed to Kafka still waiting for their report.")
        out.sample("kafka_messages_in_flight", [], kafka.inFlight)
    }
}
