import Foundation

extension Distribution {
    /// What the numbers inside a distribution measure, and so which units they take.
    public enum Quantity: Sendable, Equatable, CustomStringConvertible {
        /// `us`, `ms`, `s`, `m`, `h` (a bare `0` is zero); in seconds, at most
        /// `Distribution.longestDuration`.
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

    /// The longest duration any file, flag or fault update may give: 366 days, in seconds. Every
    /// duration is checked against it when it is parsed, so that converting it to nanoseconds
    /// (`Int64`) or adding it to a clock can never overflow.
    public static let longestDuration: Double = 366 * 86_400

    /// Why a text is not a distribution or a quantity; `problem` completes "'<text>' ...".
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var problem: String

        public init(text: String, problem: String) {
            self.text = text
            self.problem = problem
        }

        public var description: String { "'\(text)' \(problem)" }
    }

    /// Parses one distribution whose values are `quantity`.
    public init(parsing text: String, as quantity: Quantity) throws(ParseError) {
        let trimmed = text.trimmingWhitespace()
        guard let open = trimmed.firstIndex(of: "(") else {
            self = .constant(try Self.value(trimmed, as: quantity, in: text))
            return
        }
        guard trimmed.hasSuffix(")") else { throw ParseError(text: text, problem: "is missing its closing ')'") }
        let name = trimmed[..<open].trimmingWhitespace().lowercased()
        let arguments = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace() }
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
            guard let sigma = Double(arguments[1]), sigma >= 0, sigma <= 10 else {
                throw ParseError(
                    text: text,
                    problem: "is not a distribution: sigma '\(arguments[1])' is not a number from 0 to 10")
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
        let text = text.trimmingWhitespace()
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
                // "ms" also ends in "s": only a purely numeric remainder counts.
                guard let value = number(text.dropLast(suffix.count)) else { continue }
                let seconds = value * scale
                guard seconds <= longestDuration else {
                    let problem = "is longer than the longest duration ClickSwarm takes, 366 days (8784h)"
                    throw whole == text
                        ? ParseError(text: whole, problem: problem)
                        : ParseError(text: whole, problem: "has '\(text)', which \(problem)")
                }
                return seconds
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
}

extension StringProtocol {
    /// The text without leading and trailing white space (Unicode's definition).
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
