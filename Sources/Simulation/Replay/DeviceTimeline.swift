import Foundation

/// Everything one device did, in order: lifecycle, battery, network, remote config, each
/// event's path through the SDK, connections and health events. `clickswarm replay` prints it.
public struct DeviceTimeline: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        /// Seconds since the run started.
        public var t: Double
        /// `lifecycle`, `battery`, `network`, `config`, `event`, `connection` or `health`.
        public var kind: String
        /// What happened, like `session start (cold)`, `acked`, `connected`.
        public var what: String
        /// Details: guid, event type, request guid, reason, level ...
        public var details: [String: String]

        public init(t: Double, kind: String, what: String, details: [String: String] = [:]) {
            self.t = t
            self.kind = kind
            self.what = what
            self.details = details
        }
    }

    public var device: Int
    public var entries: [Entry] = []

    public init(device: Int) { self.device = device }

    /// One JSON object per line, keys sorted: for tools.
    public func ndjson() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return entries.map { entry in
            var line = String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self)
            line.insert(contentsOf: "\"device\":\(device),", at: line.index(after: line.startIndex))
            return line
        }.joined(separator: "\n")
    }

    /// A line per entry, for people.
    public func text() -> String {
        entries.map { entry in
            let time = String(format: "%12.3fs", entry.t)
            let kind = entry.kind.padding(toLength: 10, withPad: " ", startingAt: 0)
            let details = entry.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: " ")
            return "\(time)  \(kind) \(entry.what)\(details.isEmpty ? "" : "  " + details)"
        }.joined(separator: "\n")
    }
}

/// Collects one device's timeline on its loop.
final class TimelineRecorder {
    private(set) var timeline: DeviceTimeline

    init(device: Int) { timeline = DeviceTimeline(device: device) }

    func add(_ t: Double, _ kind: String, _ what: String, _ details: [String: String] = [:]) {
        // Millisecond-rounded times keep the text stable and the NDJSON short.
        timeline.entries.append(.init(t: (t * 1e6).rounded() / 1e6, kind: kind, what: what, details: details))
    }
}
