import Foundation

/// Prometheus text exposition (format 0.0.4), the one writer behind the collector's `/metrics`,
/// a report's `.prom` rendering and the Pushgateway payloads: `# HELP` and `# TYPE` once per
/// family, every metric name behind `prefix`, `baseLabels` on every sample, label values and help
/// texts escaped as the format asks, numbers in plain decimal notation.
package struct PrometheusText: Sendable {
    package enum MetricType: String, Sendable {
        case counter, gauge, summary, histogram, untyped
    }

    /// The exposition so far.
    package private(set) var text = ""
    private let prefix: String
    private let baseLabels: [(String, String)]

    package init(prefix: String = "", baseLabels: [(String, String)] = []) {
        self.prefix = prefix
        self.baseLabels = baseLabels
    }

    /// Starts a metric family: its help text and type.
    package mutating func family(_ name: String, _ type: MetricType, _ help: String) {
        text += "# HELP \(prefix)\(name) \(Self.escapeHelp(help))\n# TYPE \(prefix)\(name) \(type.rawValue)\n"
    }

    /// One sample of a family started before (or of its `_sum`, `_count`, `_bucket` series).
    package mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        sample(name, labels, formatted: Self.number(value))
    }

    /// One sample of a count, exact at any size (a `Double` is exact only up to 2^53).
    package mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: UInt64) {
        sample(name, labels, formatted: String(value))
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], formatted value: String) {
        text += prefix + name
        let all = baseLabels + labels
        if !all.isEmpty {
            text += "{" + all.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " \(value)\n"
    }

    /// A gauge family with one sample; nothing at all when `value` is nil (a figure with no data,
    /// like a ratio of nothing).
    package mutating func gauge(_ name: String, _ help: String, _ value: Double?) {
        guard let value else { return }
        family(name, .gauge, help)
        sample(name, [], value)
    }

    /// A counter family with one sample.
    package mutating func counter(_ name: String, _ help: String, _ value: UInt64) {
        family(name, .counter, help)
        sample(name, [], value)
    }

    /// A gauge family with one sample per label value, in the label values' order; nothing when
    /// `values` is empty.
    package mutating func gauges(_ name: String, _ help: String, label: String, _ values: [String: Double]) {
        guard !values.isEmpty else { return }
        family(name, .gauge, help)
        for key in values.keys.sorted() { sample(name, [(label, key)], values[key]!) }
    }

    /// A number as the format writes it: `NaN`, `+Inf`, `-Inf`; whole numbers without a decimal
    /// point; others with at most nine decimals, trailing zeros cut (`0.276`, not
    /// `0.27599999999999997`). No exponent, no locale.
    package static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.9f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A label value with `\`, `"` and line feeds escaped.
    package static func escapeLabel(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A help text with `\` and line feeds escaped.
    package static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
