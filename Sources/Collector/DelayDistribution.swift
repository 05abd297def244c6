import Foundation
import RaccoonWire

/// A distribution of delays, written the same way on the command line, in `POST /admin/faults`
/// and (later) in scenario files:
///
/// - `50ms`: constant
/// - `uniform(10ms, 200ms)`
/// - `normal(100ms, 20ms)`: mean and standard deviation, clamped at zero
/// - `lognormal(100ms, 0.5)`: median and sigma (of the underlying normal)
/// - `exponential(100ms)`: mean
///
/// Units: `us`, `ms`, `s`, `m`, `h`; a bare `0` is zero.
public enum DelayDistribution: Sendable, Equatable, CustomStringConvertible {
    case constant(seconds: Double)
    case uniform(low: Double, high: Double)
    case normal(mean: Double, standardDeviation: Double)
    case lognormal(median: Double, sigma: Double)
    case exponential(mean: Double)

    public static let zero = DelayDistribution.constant(seconds: 0)

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var problem: String
        public var description: String {
            "'\(text)' is not a delay distribution: \(problem) (write 50ms, uniform(10ms,200ms), normal(100ms,20ms), "
                + "lognormal(100ms,0.5) or exponential(100ms))"
        }
    }

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace()
        guard let open = trimmed.firstIndex(of: "(") else {
            self = .constant(seconds: try Self.duration(trimmed, in: text))
            return
        }
        guard trimmed.hasSuffix(")") else { throw ParseError(text: text, problem: "missing ')'") }
        let name = trimmed[..<open].trimmingWhitespace().lowercased()
        let arguments = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        func expect(_ count: Int) throws(ParseError) {
            guard arguments.count == count else {
                throw ParseError(text: text, problem: "\(name) takes \(count) argument\(count == 1 ? "" : "s")")
            }
        }
        switch name {
        case "constant":
            try expect(1)
            self = .constant(seconds: try Self.duration(arguments[0], in: text))
        case "uniform":
            try expect(2)
            let low = try Self.duration(arguments[0], in: text)
            let high = try Self.duration(arguments[1], in: text)
            guard low <= high else { throw ParseError(text: text, problem: "the low bound is above the high bound") }
            self = .uniform(low: low, high: high)
        case "normal":
            try expect(2)
            self = .normal(
                mean: try Self.duration(arguments[0], in: text),
                standardDeviation: try Self.duration(arguments[1], in: text))
        case "lognormal":
            try expect(2)
            guard let sigma = Double(arguments[1]), sigma >= 0, sigma.isFinite else {
                throw ParseError(text: text, problem: "sigma '\(arguments[1])' is not a non-negative number")
            }
            self = .lognormal(median: try Self.duration(arguments[0], in: text), sigma: sigma)
        case "exponential":
            try expect(1)
            self = .exponential(mean: try Self.duration(arguments[0], in: text))
        default:
            throw ParseError(text: text, problem: "unknown distribution '\(name)'")
        }
    }

    /// Parses `250ms`, `1.5s`, `2m`, `500us`, `1h` or `0` into seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let text = text.trimmingWhitespace()
        if text == "0" { return 0 }
        let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends in "s": only accept a purely numeric remainder.
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            return value * scale
        }
        return nil
    }

    private static func duration(_ text: String, in whole: String) throws(ParseError) -> Double {
        guard let seconds = parseDuration(text) else {
            throw ParseError(text: whole, problem: "'\(text)' is not a duration with a unit (us, ms, s, m, h)")
        }
        return seconds
    }

    /// A delay in seconds, never negative.
    public func sample(using random: inout SeededRandom) -> Double {
        switch self {
        case .constant(let seconds):
            return seconds
        case .uniform(let low, let high):
            return low + (high - low) * random.nextUnit()
        case .normal(let mean, let deviation):
            return max(0, mean + deviation * Self.standardNormal(&random))
        case .lognormal(let median, let sigma):
            return median * Foundation.exp(sigma * Self.standardNormal(&random))
        case .exponential(let mean):
            return -mean * Foundation.log(1 - random.nextUnit())
        }
    }

    public var description: String {
        switch self {
        case .constant(let seconds): return Self.format(seconds)
        case .uniform(let low, let high): return "uniform(\(Self.format(low)),\(Self.format(high)))"
        case .normal(let mean, let deviation): return "normal(\(Self.format(mean)),\(Self.format(deviation)))"
        case .lognormal(let median, let sigma): return "lognormal(\(Self.format(median)),\(sigma))"
        case .exponential(let mean): return "exponential(\(Self.format(mean)))"
        }
    }

    static func format(_ seconds: Double) -> String {
        if seconds == 0 { return "0" }
        let milliseconds = seconds * 1000
        if milliseconds == milliseconds.rounded(), milliseconds < 1e12 { return "\(Int64(milliseconds))ms" }
        return "\(seconds)s"
    }

    private static func standardNormal(_ random: inout SeededRandom) -> Double {
        // Box-Muller; 1 - u keeps the logarithm's argument above zero.
        let u1 = 1 - random.nextUnit()
        let u2 = random.nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
