import Collector
import Foundation
import RaccoonWire

/// A distribution of numbers, written wherever a scenario takes a number:
///
/// - `50ms` or `constant(50ms)`: always that value
/// - `uniform(10ms, 200ms)`: low and high
/// - `normal(100ms, 20ms)`: mean and standard deviation, clamped at zero
/// - `lognormal(100ms, 0.5)`: median and sigma (of the underlying normal, unitless)
/// - `exponential(100ms)`: mean
///
/// Values are stored in base units: seconds for durations, fractions for percentages (`50%` is
/// 0.5, except where a quantity is itself in percent, as battery levels), bytes for sizes.
public enum Distribution: Sendable, Equatable, CustomStringConvertible {
    case constant(Double)
    case uniform(Double, Double)
    case normal(mean: Double, standardDeviation: Double)
    case lognormal(median: Double, sigma: Double)
    case exponential(mean: Double)

    /// What the numbers inside a distribution measure, and so which units they take.
    public enum Quantity: Sendable, Equatable, CustomStringConvertible {
        /// `us`, `ms`, `s`, `m`, `h` (a bare `0` is zero); in seconds.
        case duration
        /// `%` or a plain number; a plain number must be from 0 to 1, `%` from 0 to 100; as a fraction.
        case fraction
        /// Percentage points, `%` optional (battery levels): `20%` and `20` are both 20.
        case percentPoints
        /// A plain non-negative number.
        case count
        /// `B`, `KiB`, `MiB`, `GiB`, `KB`, `MB`, `GB` or plain bytes.
        case bytes

        public var description: String {
            switch self {
            case .duration: return "a duration with a unit (us, ms, s, m, h)"
            case .fraction: return "a percentage (like 25%) or a fraction from 0 to 1"
            case .percentPoints: return "a percentage (like 25%)"
            case .count: return "a non-negative number"
            case .bytes: return "a size (like 512B, 64KiB, 1MiB)"
            }
        }
    }

    /// Why a text is not a distribution or a quantity; `problem` completes "'<text>' is not ...".
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var problem: String
        public var description: String { "'\(text)' \(problem)" }
    }

    /// Parses one distribution whose values are `quantity`.
    public init(parsing text: String, as quantity: Quantity) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.firstIndex(of: "(") else {
            self = .constant(try Self.value(trimmed, as: quantity, in: text))
            return
        }
        guard trimmed.hasSuffix(")") else { throw ParseError(text: text, problem: "is missing its closing ')'") }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces).lowercased()
        let arguments = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        func expect(_ count: Int) throws(ParseError) {
            guard arguments.count == count else {
                throw ParseError(
                    text: text,
                    problem: "is not a distribution: \(name) takes \(count) argument\(count == 1 ? "" : "s")")
            }
        }
        switch name {
        case "constant":
            try expect(1)
            self = .constant(try Self.value(arguments[0], as: quantity, in: text))
        case "uniform":
            try expect(2)
            let low = try Self.value(arguments[0], as: quantity, in: text)
            let high = try Self.value(arguments[1], as: quantity, in: text)
            guard low <= high else {
                throw ParseError(text: text, problem: "is not a distribution: the low bound is above the high bound")
            }
            self = .uniform(low, high)
        case "normal":
            try expect(2)
            self = .normal(
                mean: try Self.value(arguments[0], as: quantity, in: text),
                standardDeviation: try Self.value(arguments[1], as: quantity, in: text))
        case "lognormal":
            try expect(2)
            guard let sigma = Double(arguments[1]), sigma >= 0, sigma.isFinite else {
                throw ParseError(
                    text: text, problem: "is not a distribution: sigma '\(arguments[1])' is not a non-negative number")
            }
            self = .lognormal(median: try Self.value(arguments[0], as: quantity, in: text), sigma: sigma)
        case "exponential":
            try expect(1)
            self = .exponential(mean: try Self.value(arguments[0], as: quantity, in: text))
        default:
            throw ParseError(
                text: text,
                problem: "is not a distribution: unknown name '\(name)' (use constant, uniform, normal, lognormal "
                    + "or exponential)")
        }
    }

    /// Parses one plain value (no distribution) of `quantity`, in base units.
    public static func value(_ text: String, as quantity: Quantity) throws(ParseError) -> Double {
        try value(text, as: quantity, in: text)
    }

    private static func value(_ text: String, as quantity: Quantity, in whole: String) throws(ParseError) -> Double {
        let text = text.trimmingCharacters(in: .whitespaces)
        func fail() -> ParseError {
            whole == text
                ? ParseError(text: whole, problem: "is not \(quantity)")
                : ParseError(text: whole, problem: "has '\(text)', which is not \(quantity)")
        }
        func number(_ text: Substring) -> Double? {
            guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
            return value
        }
        switch quantity {
        case .duration:
            if text == "0" { return 0 }
            let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
            for (suffix, scale) in units where text.hasSuffix(suffix) {
                if let value = number(text.dropLast(suffix.count)) { return value * scale }
            }
            throw fail()
        case .fraction:
            if text.hasSuffix("%") {
                guard let value = number(text.dropLast()), value <= 100 else { throw fail() }
                return value / 100
            }
            guard let value = number(Substring(text)), value <= 1 else { throw fail() }
            return value
        case .percentPoints:
            let digits = text.hasSuffix("%") ? text.dropLast() : Substring(text)
            guard let value = number(digits), value <= 100 else { throw fail() }
            return value
        case .count:
            guard let value = number(Substring(text)) else { throw fail() }
            return value
        case .bytes:
            let units: [(String, Double)] = [
                ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9),
                ("B", 1),
            ]
            for (suffix, scale) in units where text.hasSuffix(suffix) {
                if let value = number(text.dropLast(suffix.count)) { return value * scale }
            }
            guard let value = number(Substring(text)) else { throw fail() }
            return value
        }
    }

    /// One value, never negative. The collector's `DelayDistribution` holds the sampling (its
    /// math does not care whether the values are seconds, counts or bytes).
    public func sample(using random: inout SeededRandom) -> Double {
        delayDistribution.sample(using: &random)
    }

    /// The distribution's mean.
    public var mean: Double {
        switch self {
        case .constant(let value): return value
        case .uniform(let low, let high): return (low + high) / 2
        case .normal(let mean, _): return mean
        case .lognormal(let median, let sigma): return median * Foundation.exp(sigma * sigma / 2)
        case .exponential(let mean): return mean
        }
    }

    public var description: String {
        switch self {
        case .constant(let value): return "\(value)"
        case .uniform(let low, let high): return "uniform(\(low), \(high))"
        case .normal(let mean, let deviation): return "normal(\(mean), \(deviation))"
        case .lognormal(let median, let sigma): return "lognormal(\(median), \(sigma))"
        case .exponential(let mean): return "exponential(\(mean))"
        }
    }
}

extension Distribution {
    /// The collector's form: fault delays, and the sampling every distribution uses.
    var delayDistribution: DelayDistribution {
        switch self {
        case .constant(let value): return .constant(seconds: value)
        case .uniform(let low, let high): return .uniform(low: low, high: high)
        case .normal(let mean, let deviation): return .normal(mean: mean, standardDeviation: deviation)
        case .lognormal(let median, let sigma): return .lognormal(median: median, sigma: sigma)
        case .exponential(let mean): return .exponential(mean: mean)
        }
    }
}
