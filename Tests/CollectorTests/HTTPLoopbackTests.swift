import ClickSwarmTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RaccoonWire
import SwiftProtobuf
import Testing

@testable import Collector

@Suite("Collector over loopback HTTP")
struct HTTPLoopbackTests {
    @Test("GET /ping answers pong")
    func ping() async throws {
        try await withCollector { server in
            let response = try await HTTPTestClient.request(.GET, "/ping", port: server.port)
            #expect(response.status == .ok)
            #expect(response.text == "pong")
        }
    }

    @Test("REST with application/proto is answered 200 in protobuf")
    func restProto() async throws {
        try await withCollector { server in
            let request = Batches.request("rest-1", [Batches.click(device: 5, sequence: 0)])
            let response = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: [("Content-Type", "application/proto")],
                body: try request.serializedBytes())
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == "application/proto")
            let answer = try SendEventResponse(serializedBytes: response.body)
            #expect(answer.code == .ok)
            #expect(answer.data["req_guid"] == "rest-1")
            let stats = try await server.stats()
            #expect(stats.batches.rest == 1)
            #expect(stats.events.uniqueDeliveries == 1)
        }
    }

    @Test("REST with application/json is answered 200 in JSON")
    func restJSON() async throws {
        try await withCollector { server in
            let request = Batches.request("rest-json", [Batches.click(device: 6, sequence: 0)])
            let response = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: [("Content-Type", "application/json")],
                body: RaccoonJSON.encodeRequest(request))
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == "application/json")
            #expect(try RaccoonJSON.decodeResponse(response.body).data["req_guid"] == "rest-json")
        }
    }

    @Test(
        "any other content type is 400 with a JSON body",
        arguments: [
            "text/plain", "application/json; charset=utf-8", "application/x-protobuf", "",
        ])
    func badContentType(contentType: String) async throws {
        try await withCollector { server in
            let headers = contentType.isEmpty ? [] : [("Content-Type", contentType)]
            let response = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: headers, body: Array("{}".utf8))
            #expect(response.status == .badRequest)
            let answer = try RaccoonJSON.decodeResponse(response.body)
            #expect(answer.code == .badRequest)
            #expect(answer.reason.contains("unsupported Content-Type"))
        }
    }

    @Test("a body that does not decode is 400 with CODE_BAD_REQUEST in the request's encoding")
    func undecodableBody() async throws {
        try await withCollector { server in
            let proto = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: [("Content-Type", "application/proto")],
                body: [0x0A, 0xFF])
            #expect(proto.status == .badRequest)
            #expect(try SendEventResponse(serializedBytes: proto.body).code == .badRequest)
            let json = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: [("Content-Type", "application/json")],
                body: Array(#"{"events":"#.utf8))
            #expect(json.status == .badRequest)
            #expect(try RaccoonJSON.decodeResponse(json.body).reason.hasPrefix("cannot deserialize request: "))
        }
    }

    @Test("a body over the limit is 413 with a clear reason, without buffering it")
    func bodyTooLarge() async throws {
        try await withCollector({ $0.maxMessageBytes = 2048 }) { server in
            let response = try await HTTPTestClient.request(
                .POST, "/api/v1/events", port: server.port, headers: [("Content-Type", "application/json")],
                body: [UInt8](repeating: 0x20, count: 50_000))
            #expect(response.status == .payloadTooLarge)
            let answer = try RaccoonJSON.decodeResponse(response.body)
            #expect(answer.reason == "request of 50000 bytes exceeds the collector's limit of 2048 bytes")
        }
    }

    @Test("GET /stats is JSON with every section; unknown paths are 404 and wrong methods 405")
    func statsAndErrors() async throws {
        try await withCollector { server in
            let stats = try await HTTPTestClient.request(.GET, "/stats", port: server.port)
            #expect(stats.status == .ok)
            let decoded = try CollectorStats.decode(json: Data(stats.body))
            #expect(decoded.ackMode == "immediate")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any])
            #expect(
                Set(object.keys) == [
                    "uptime_seconds", "ack_mode", "connections", "batches", "events", "ack_latency", "protection",
                    "faults",
                ])
            #expect(try await HTTPTestClient.request(.GET, "/nope", port: server.port).status == .notFound)
            #expect(try await HTTPTestClient.request(.DELETE, "/stats", port: server.port).status == .methodNotAllowed)
            #expect(
                try await HTTPTestClient.request(.GET, "/api/v1/events", port: server.port).status == .methodNotAllowed)
        }
    }

    @Test("GET /metrics is Prometheus text with the documented families")
    func metrics() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "m")
            try await client.send(Batches.request("m1", [Batches.click(device: 1, sequence: 0)]))
            _ = try await client.nextResponse()
            try await client.send(binary: [0x0A, 0xFF])
            _ = try await client.nextResponse()
            let response = try await HTTPTestClient.request(.GET, "/metrics", port: server.port)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            for line in [
                "clickswarm_collector_connections 1",
                "clickswarm_collector_connections_accepted_total 1",
                #"clickswarm_collector_connections_rejected_total{reason="max_connections"} 0"#,
                #"clickswarm_collector_batches_total{status="ok"} 1"#,
                #"clickswarm_collector_events_total{type="app-buttonclick",status="delivered"} 1"#,
                "clickswarm_collector_bad_requests_total 1",
                "clickswarm_collector_unique_deliveries_total 1",
                "clickswarm_collector_duplicate_deliveries_total 0",
                // Both answers count, the bad request's too.
                #"clickswarm_collector_ack_latency_seconds_bucket{le="+Inf"} 2"#,
                "clickswarm_collector_ack_latency_seconds_count 2",
            ] {
                let present = text.split(separator: "\n").contains(Substring(line))
                #expect(present, "missing: \(line)")
            }
            // Every sample belongs to a family declared with HELP and TYPE.
            let families = Set(
                text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
            for sample in text.split(separator: "\n") where !sample.hasPrefix("#") {
                let name = sample.prefix { $0 != "{" && $0 != " " }
                let family = ["_bucket", "_sum", "_count"].reduce(String(name)) { name, suffix in
                    families.contains(Substring(name))
                        ? name : (name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name)
                }
                #expect(families.contains(Substring(family)), "sample without a family: \(sample)")
            }
            await client.close()
        }
    }
}

@Suite("Collector faults and delivery accounting over loopback")
struct FaultLoopbackTests {
    func setFaults(_ server: CollectorServer, _ json: String) async throws -> HTTPTestClient.Response {
        try await HTTPTestClient.request(.POST, "/admin/faults", port: server.port, body: Array(json.utf8))
    }

    @Test("POST /admin/faults changes faults while running; bad updates are 400 and change nothing")
    func adminFaults() async throws {
        try await withCollector { server in
            let ok = try await setFaults(server, #"{"ack_loss":0.25,"ack_delay":"10ms"}"#)
            #expect(ok.status == .ok)
            #expect(ok.text.contains(#""ack_loss":0.25"#))
            #expect(server.faults.ackLossProbability == 0.25)
            let bad = try await setFaults(server, #"{"ack_loss":7}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("ack_loss must be a probability from 0 to 1"))
            let current = try await HTTPTestClient.request(.GET, "/admin/faults", port: server.port)
            #expect(
                current.text
                    == #"{"ack_delay":"10ms","ack_loss":0.25,"error_rate":0.0,"outage":false,"publish_stall":false}"#)
        }
    }

    @Test("scheduled faults apply at their deadlines, in deadline order, whatever the order given")
    func scheduledFaults() async throws {
        try await withCollector { server in
            var outage = FaultSettings()
            outage.outage = true
            var errors = FaultSettings()
            errors.errorProbability = 0.5
            let now = NIODeadline.now()
            _ = server.scheduleFaults([
                (at: now + .milliseconds(60), faults: errors), (at: now + .milliseconds(30), faults: outage),
            ])
            try await waitUntil { server.faults.outage || server.faults.errorProbability > 0 }
            #expect(NIODeadline.now() >= now + .milliseconds(30), "applied before its deadline")
            try await waitUntil { server.faults.errorProbability == 0.5 }
            #expect(server.faults == errors, "the later step replaces the earlier: \(server.faults)")
        }
    }

    @Test("an ack delay beyond 366 days is refused with a clear error and the collector lives on")
    func hugeAckDelay() async throws {
        try await withCollector { server in
            let refused = try await setFaults(server, #"{"ack_delay":"1e308h"}"#)
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("is longer than the longest duration ClickSwarm takes, 366 days"))
            #expect(server.faults.ackDelay == .zero)
            #expect(try await HTTPTestClient.request(.GET, "/ping", port: server.port).text == "pong")
            let lognormal = try await setFaults(server, #"{"ack_delay":"lognormal(8784h,10)"}"#)
            #expect(lognormal.status == .ok)
        }
    }

    @Test("ack loss: the batch is delivered but never answered")
    func ackLoss() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "lossy")
            _ = try await setFaults(server, #"{"ack_loss":1}"#)
            try await client.send(Batches.request("lost", [Batches.click(device: 1, sequence: 0)]))
            try await waitUntil { try await server.stats().batches.ackLost == 1 }
            _ = try await setFaults(server, #"{"ack_loss":0}"#)
            // The resend is delivered again (a duplicate) and this time answered.
            try await client.send(Batches.request("lost", [Batches.click(device: 1, sequence: 0)]))
            let response = try await client.nextResponse()
            #expect(response.data["req_guid"] == "lost")
            let stats = try await server.stats()
            #expect(stats.events.uniqueDeliveries == 1)
            #expect(stats.events.duplicateDeliveries == 1)
            await client.close()
        }
    }

    @Test("after-publish acks: the error fault answers CODE_INTERNAL_ERROR with the req_guid, nothing delivered")
    func errorAnswers() async throws {
        try await withCollector({
            $0.faults.errorProbability = 1
            $0.ackMode = .afterPublish
        }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "err")
            try await client.send(Batches.request("e1", [Batches.click(device: 1, sequence: 0)]))
            let response = try await client.nextResponse()
            #expect(response.status == .error)
            #expect(response.code == .internalError)
            #expect(response.reason == "cannot publish events: injected fault")
            #expect(response.data["req_guid"] == "e1")
            #expect(try await server.stats().events.uniqueDeliveries == 0)
            await client.close()
        }
    }

    @Test("immediate acks: the error fault is acked OK and lost, counted as lost_after_ack in /stats and /metrics")
    func lostAfterAck() async throws {
        try await withCollector({ $0.faults.errorProbability = 1 }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "silent-loss")
            try await client.send(
                Batches.request(
                    "gone",
                    [Batches.click(run: 4, device: 2, sequence: 0), Batches.click(run: 4, device: 2, sequence: 1)]))
            let response = try await client.nextResponse()
            #expect(response.code == .ok)
            #expect(response.data["req_guid"] == "gone")
            let stats = try await server.stats()
            #expect(stats.batches.lostAfterAck == 1)
            #expect(stats.batches.errorInjected == 0)
            #expect(stats.events.lostAfterAck == 2)
            #expect(stats.events.byType["app-buttonclick"]?.lostAfterAck == 2)
            #expect(stats.events.delivered == 0)
            #expect(try await server.lostAfterAck(run: 4)[2]?.count == 2)
            #expect(try await server.deliveries(run: 4).isEmpty)
            let metrics = try await HTTPTestClient.request(.GET, "/metrics", port: server.port).text
            #expect(metrics.contains(#"clickswarm_collector_batches_total{status="lost_after_ack"} 1"#))
            #expect(metrics.contains("clickswarm_collector_lost_after_ack_events_total 2"))
            await client.close()
        }
    }

    @Test("de-duplication with after-publish acks: a batch whose publish failed is published when retried")
    func retryAfterFailedPublish() async throws {
        try await withCollector({
            $0.deduplicate = true
            $0.ackMode = .afterPublish
            $0.faults.errorProbability = 1
        }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "retrier")
            let request = Batches.request("again", [Batches.click(run: 3, device: 1, sequence: 0)])
            try await client.send(request)
            #expect(try await client.nextResponse().code == .internalError)
            _ = try await setFaults(server, #"{"error_rate":0}"#)
            try await client.send(request)
            #expect(try await client.nextResponse().code == .ok)
            let stats = try await server.stats()
            #expect(stats.batches.deduplicated == 0)
            #expect(try await server.deliveries(run: 3, device: 1).count == 1)
            await client.close()
        }
    }

    @Test("outage: open connections close, new ones are refused, and service resumes after")
    func outage() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "o")
            _ = try await setFaults(server, #"{"outage":true}"#)
            #expect(try await client.framesUntilClosed().isEmpty)
            await #expect(throws: (any Error).self) {
                _ = try await WebSocketTestClient.connect(to: server, id: "o2")
            }
            try await server.setFaults(FaultSettings())
            let again = try await WebSocketTestClient.connect(to: server, id: "o")
            try await again.send(Batches.request("back", []))
            #expect(try await again.nextResponse().code == .ok)
            #expect(try await server.stats().connections.refusedDuringOutage >= 1)
            await again.close()
        }
    }

    @Test("publish stall: batches are held and answered in order once it ends")
    func publishStall() async throws {
        try await withCollector { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "stall")
            _ = try await setFaults(server, #"{"publish_stall":true}"#)
            try await client.send(Batches.request("s1", [Batches.click(device: 1, sequence: 0)]))
            try await client.send(Batches.request("s2", [Batches.click(device: 1, sequence: 1)]))
            await #expect(throws: WebSocketTestClient.Timeout.self) {
                _ = try await client.nextFrame(timeout: .milliseconds(200))
            }
            #expect(try await server.stats().batches.received == 0)
            _ = try await setFaults(server, #"{"publish_stall":false}"#)
            #expect(try await client.nextResponse().data["req_guid"] == "s1")
            #expect(try await client.nextResponse().data["req_guid"] == "s2")
            #expect(try await server.stats().events.uniqueDeliveries == 2)
            await client.close()
        }
    }

    @Test("ack delay and after-publish delay hold the answer back; answers can overtake each other")
    func delays() async throws {
        try await withCollector({
            $0.ackMode = .afterPublish
            $0.publishDelay = .constant(0.15)
        }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "slow")
            let start = ContinuousClock.now
            try await client.send(Batches.request("slow", []))
            _ = try await setFaults(server, #"{"ack_delay":"0"}"#)
            #expect(try await client.nextResponse().data["req_guid"] == "slow")
            #expect(ContinuousClock.now - start >= .milliseconds(150))
            let stats = try await server.stats()
            #expect(stats.ackMode == "after-publish")
            #expect(stats.ackLatency.sumSeconds >= 0.15)
            await client.close()
        }
    }

    @Test("de-duplication: a repeated req_guid on one connection is acked but not delivered again")
    func deduplication() async throws {
        try await withCollector({ $0.deduplicate = true }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "dedup")
            let request = Batches.request("same", [Batches.click(device: 1, sequence: 0)])
            try await client.send(request)
            try await client.send(request)
            #expect(try await client.nextResponse().code == .ok)
            #expect(try await client.nextResponse().code == .ok)
            let stats = try await server.stats()
            #expect(stats.batches.deduplicated == 1)
            #expect(stats.events.delivered == 1)
            #expect(stats.events.duplicateDeliveries == 0)
            await client.close()
        }
    }

    @Test("delivery accounting across connections: unique, duplicate and foreign events, per device")
    func accounting() async throws {
        try await withCollector { server in
            var clients: [WebSocketTestClient] = []
            for device in 0..<4 {
                let client = try await WebSocketTestClient.connect(to: server, id: "device-\(device)")
                let events = (0..<10).map { Batches.click(run: 9, device: UInt32(device), sequence: UInt64($0)) }
                try await client.send(Batches.request("batch-\(device)", events))
                #expect(try await client.nextResponse().code == .ok)
                clients.append(client)
            }
            // A resend of device 0's sequence 3 and 4, and an event from another app.
            var foreign = RaccoonEvent()
            foreign.eventBytes = Data("not a contract".utf8)
            foreign.type = "other"
            try await clients[0].send(
                Batches.request(
                    "again",
                    [
                        Batches.click(run: 9, device: 0, sequence: 3), Batches.click(run: 9, device: 0, sequence: 4),
                        foreign,
                    ]))
            #expect(try await clients[0].nextResponse().code == .ok)
            let stats = try await server.stats()
            #expect(stats.events.uniqueDeliveries == 40)
            #expect(stats.events.duplicateDeliveries == 2)
            #expect(stats.events.foreign == 1)
            #expect(stats.events.devices == 4)
            #expect(stats.events.byType["other"]?.delivered == 1)
            #expect(try await server.deliveries(run: 9, device: 2).missing(below: 10).isEmpty)
            #expect(try await server.deliveries(run: 9, device: 7).count == 0)
            for client in clients { await client.close() }
        }
    }

    @Test("the NDJSON sink writes one line per delivered event with the decoded contract")
    func ndjsonSink() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).ndjson")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withCollector({ $0.sink = .ndjson(path: path) }) { server in
            let client = try await WebSocketTestClient.connect(to: server, id: "sink")
            try await client.send(Batches.request("n", [Batches.click(run: 2, device: 3, sequence: 4)]))
            #expect(try await client.nextResponse().code == .ok)
            await client.close()
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["type"] as? String == "app-buttonclick")
        #expect(object["guid"] as? String == EventGUID(run: 2, device: 3, sequence: 4).description)
        #expect((object["size"] as? Int ?? 0) > 0)
        let contract = try #require(object["contract"] as? [String: Any])
        #expect(contract["buttonId"] as? String == "order")
    }

    @Test("a sink whose writes fail (/dev/full) counts every lost line and keeps the first error")
    func fullDisk() async throws {
        let notices = NIOLockedValueBox<[CollectorNotice]>([])
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.sink = .ndjson(path: "/dev/full")
        let server = try await CollectorServer.start(configuration: configuration) { notice in
            notices.withLockedValue { $0.append(notice) }
        }
        let client = try await WebSocketTestClient.connect(to: server, id: "full")
        // 3,000 events make more than one 64 KiB write: the first fails, the later ones are dropped.
        for batch in 0..<3 {
            let events = (0..<1_000).map { Batches.click(device: 1, sequence: UInt64(batch * 1_000 + $0)) }
            try await client.send(Batches.request("full-\(batch)", events))
            #expect(try await client.nextResponse().code == .ok)
        }
        await client.close()
        try await server.shutdown()
        let status = try #require(server.sinkStatus)
        #expect(status.path == "/dev/full")
        #expect(status.linesWritten == 0)
        #expect(status.linesDropped == 3_000)
        #expect(status.writeErrors >= 1)
        #expect(status.firstError?.contains("No space left on device") == true)
        #expect(
            status.failureDescription?.hasPrefix("the NDJSON sink /dev/full lost 3000 of 3000 lines: No space left")
                == true)
        let received = notices.withLockedValue { $0 }
        #expect(received.count == 1)
        if case .sinkFailed(let path, let reason) = received.first {
            #expect(path == "/dev/full")
            #expect(reason.contains("ENOSPC") || reason.contains("errno 28"))
        } else {
            Issue.record("expected one sinkFailed notice, got \(received)")
        }
    }

    @Test("an unwritable NDJSON path fails at start with the path in the message")
    func unwritableSink() async throws {
        var configuration = CollectorConfiguration()
        configuration.port = 0
        configuration.sink = .ndjson(path: "/nonexistent-dir/x.ndjson")
        await #expect(
            throws: CollectorError.sinkUnavailable(
                path: "/nonexistent-dir/x.ndjson", reason: "No such file or directory")
        ) {
            _ = try await CollectorServer.start(configuration: configuration)
        }
    }

    @Test("a port in use fails with bindFailed")
    func portInUse() async throws {
        try await withCollector { server in
            var configuration = CollectorConfiguration()
            configuration.port = server.port
            configuration.threads = 1
            let error = await #expect(throws: CollectorError.self) {
                _ = try await CollectorServer.start(configuration: configuration)
            }
            if case .bindFailed(_, let port, _) = error {
                #expect(port == server.port)
            } else {
                Issue.record("\(String(describing: error))")
            }
        }
    }
}
