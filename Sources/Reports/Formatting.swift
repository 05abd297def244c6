import Foundation

/// Number formats shared by the terminal renderers.
enum Formatting {
    /// `12,345,678`.
    static func count<Number: BinaryInteger>(_ value: Number) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A figure a person reads beside a threshold: six significant digits, no float noise
    /// (`0.999`, not `0.9990000000000001`), but as many more as it takes (up to 15) to show a
    /// figure that differs from the threshold as different (`0.9989999`, not `0.999`).
    static func figure(_ value: Double, beside threshold: Double? = nil) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        func text(_ digits: Int) -> String {
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            var shown = String(format: "%.\(digits)g", value)
            if shown.contains("e") { return shown }
            if shown.contains(".") {
                while shown.hasSuffix("0") { shown.removeLast() }
                if shown.hasSuffix(".") { shown.removeLast() }
            }
            return shown
        }
        var digits = 6
        var shown = text(digits)
        if let threshold, value != threshold {
            let thresholdText = figure(threshold)
            while digits < 15, Double(shown) == Double(thresholdText) {
                digits += 1
                shown = text(digits)
            }
        }
        return shown
    }

    /// `950`, `1.2k`, `3.4M`.
    static func compact(_ value: Double) -> String {
        switch abs(value) {
        case ..<999.5: return String(format: "%.0f", value)
        case ..<999_950: return String(format: "%.1fk", value / 1_000)
        default: return String(format: "%.1fM", value / 1_000_000)
        }
    }

    /// `0.42ms`, `12.3ms`, `450ms`, `1.25s`; `-` for no figure.
    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        switch value {
        case ..<10: return String(format: "%.2fms", value)
        case ..<100: return String(format: "%.1fms", value)
        case ..<1_000: return String(format: "%.0fms", value)
        default: return String(format: "%.2fs", value / 1_000)
        }
    }

    /// `99.75%`; `-` for no figure.
    static func percent(_ fraction: Double?) -> String {
        guard let fraction else { return "-" }
        return String(format: "%.2f%%", fraction * 100)
    }

    /// `store_full 2, drop_list 1`, largest first.
    static func reasons(_ counts: [String: UInt64]) -> String {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \(count($0.value))" }
            .joined(separator: ", ")
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func leftPadded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
