import Foundation

/// A distribution of numbers, written wherever a scenario, a flag or a fault update takes one:
///
/// - `50ms` or `constant(50ms)`: always that value
/// - `uniform(10ms, 200ms)`: low and high
/// - `normal(100ms, 20ms)`: mean and standard deviation, clamped at zero
/// - `lognormal(100ms, 0.5)`: median and sigma (of the underlying normal, unitless)
/// - `exponential(100ms)`: mean
///
/// Values are stored in base units (`Quantity`): seconds for durations, fractions for
/// percentages (`50%` is 0.5, except where a quantity is itself in percent, as battery levels),
/// bytes for sizes. Parsing is in `Distribution+Parsing.swift`.
public enum Distribution: Sendable, Equatable, CustomStringConvertible {
    case constant(Double)
    case uniform(Double, Double)
    case normal(mean: Double, standardDeviation: Double)
    case lognormal(median: Double, sigma: Double)
    case exponential(mean: Double)

    /// Always zero.
    public static let zero = Distribution.constant(0)

    /// One value, never negative: the math is the same whether the values are seconds, counts
    /// or bytes.
    public func sample(using random: inout SeededRandom) -> Double {
        switch self {
        case .constant(let value):
            return value
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

    /// The values in base units, as written in code (`uniform(0.01, 0.2)`).
    public var description: String {
        switch self {
        case .constant(let value): return "\(value)"
        case .uniform(let low, let high): return "uniform(\(low), \(high))"
        case .normal(let mean, let deviation): return "normal(\(mean), \(deviation))"
        case .lognormal(let median, let sigma): return "lognormal(\(median), \(sigma))"
        case .exponential(let mean): return "exponential(\(mean))"
        }
    }

    /// A distribution of durations as a person writes it, with units: `50ms`,
    /// `uniform(10ms,200ms)`; parsing it as a `.duration` gives the same distribution back.
    public var durationText: String {
        let format = Self.formatDuration
        switch self {
        case .constant(let seconds): return format(seconds)
        case .uniform(let low, let high): return "uniform(\(format(low)),\(format(high)))"
        case .normal(let mean, let deviation): return "normal(\(format(mean)),\(format(deviation)))"
        case .lognormal(let median, let sigma): return "lognormal(\(format(median)),\(sigma))"
        case .exponential(let mean): return "exponential(\(format(mean)))"
        }
    }

    /// Seconds as `0`, whole milliseconds (`250ms`) when exact, otherwise seconds (`0.0005s`).
    public static func formatDuration(_ seconds: Double) -> String {
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
