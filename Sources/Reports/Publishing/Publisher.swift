import Foundation
import SwarmPrimitives

/// Pushes a finished run's figures over libcurl: the JSON report to a webhook (`POST`) and the
/// final figures to a Prometheus Pushgateway (`PUT` to the run's group). Transfers block, so each
/// runs on a thread of its own (`BlockingThread`), never on an event loop or the cooperative pool.
package enum Publisher {
    /// Pushes `report` wherever `settings` say, both destinations at once; one result per
    /// destination. Never throws: a failed push is a result with `failure` set.
    package static func publish(_ report: RunReport, settings: PushSettings) async -> [PushResult] {
        var requests: [(PushResult.Payload, PushURL, CurlRequest)] = []
        if let url = settings.reportURL {
            let body: [UInt8]
            do {
                body = Array(try report.jsonData())
            } catch {
                return [
                    PushResult(
                        payload: .report, url: url.description, attempts: 0, status: nil,
                        failure: "the report could not be encoded: \(error)")
                ]
            }
            requests.append((.report, url, request("POST", url, body, contentType: "application/json", settings)))
        }
        if let base = settings.pushgatewayURL {
            let url = PushgatewayPayload.groupURL(base, scenario: report.run.scenario, runID: report.run.id)
            let body = Array(PushgatewayPayload.final(report).utf8)
            requests.append(
                (.metrics, url, request("PUT", url, body, contentType: PushgatewayPayload.contentType, settings)))
        }
        return await withTaskGroup(of: (Int, PushResult).self) { group in
            for (index, (payload, url, request)) in requests.enumerated() {
                group.addTask {
                    let result = await BlockingThread.run("clickswarm.push") {
                        send(request, payload: payload, url: url, policy: settings.retry, secrets: settings.secrets)
                    }
                    return (index, result)
                }
            }
            var results: [(Int, PushResult)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    static func request(
        _ method: String, _ url: PushURL, _ body: [UInt8], contentType: String, _ settings: PushSettings
    ) -> CurlRequest {
        CurlRequest(
            method: method, url: url.text,
            headers: [("Content-Type", contentType)] + settings.headers.map { ($0.name, $0.value) }, body: body,
            connectTimeout: settings.connectTimeout, timeout: settings.timeout, insecure: settings.insecure)
    }

    /// One push, attempts and backoff included, blocking the calling thread: runs the retry
    /// state machine against libcurl.
    static func send(
        _ request: CurlRequest, payload: PushResult.Payload, url: PushURL, policy: PushRetryPolicy, secrets: [String]
    ) -> PushResult {
        var machine = PushRetryStateMachine(policy: policy)
        var action = machine.start()
        var lastStatus: Int?
        var lastBody: [UInt8] = []
        while true {
            switch action {
            case .waitThenAttempt(let seconds, _):
                Thread.sleep(forTimeInterval: seconds)
                fallthrough
            case .attempt:
                let outcome: PushAttemptOutcome
                switch CurlClient.perform(request) {
                case .success(let response):
                    lastStatus = response.status
                    lastBody = response.body
                    outcome = .status(response.status)
                case .failure(let failure):
                    lastStatus = nil
                    outcome = .failed(failure.kind, message: failure.description)
                }
                action = machine.attemptEnded(outcome)
            case .succeeded(let status, let attempts):
                return PushResult(
                    payload: payload, url: url.description, attempts: attempts, status: status, failure: nil)
            case .failed(let outcome, let attempts, let retriable):
                var reason: String
                switch outcome {
                case .status(let status):
                    reason = "HTTP \(status)"
                    let snippet = Self.snippet(lastBody, hiding: secrets)
                    if !snippet.isEmpty { reason += ": \(snippet)" }
                    if !retriable { reason += " (\(status / 100)xx answers are not retried)" }
                case .failed(let kind, let message):
                    reason = message
                    if kind == .timeout { reason = "timed out: " + reason }
                    if !retriable { reason += " (not retried)" }
                }
                return PushResult(
                    payload: payload, url: url.description, attempts: attempts, status: lastStatus, failure: reason)
            }
        }
    }

    /// The start of a response body for an error message: one line, short, printable, with any
    /// header value the server may have echoed blanked out.
    static func snippet(_ body: [UInt8], hiding secrets: [String]) -> String {
        var text = String(decoding: body.prefix(2048), as: UTF8.self)
        for secret in secrets where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "<hidden>")
        }
        let line = text.split(whereSeparator: { $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        let printable = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
        return printable.count > 200 ? String(printable.prefix(200)) + "…" : printable
    }
}

extension PushSettings {
    /// Header values and each of their words (the token of `Bearer <token>`), to keep out of
    /// anything shown.
    var secrets: [String] {
        headers.flatMap { [$0.value] + $0.value.split(separator: " ").map(String.init) }
    }
}
