import Foundation

/// The tolerance of every compared figure: the defaults of `ComparedFigure.all`, with whatever
/// `--max-regression` changed.
///
/// `--max-regression` is a comma-separated list of `key=value`. The key is a figure's key or
/// alias (`p99`, `delivery`, `connect`, ...). The value sets **one** of the figure's two slacks and
/// leaves the other at its default:
///
/// - `10%` on a duration, count or rate sets the relative slack (10% of the baseline figure);
/// - `200ms` or `1.5s` on a duration, `10` on a count, `500` on a rate set the absolute slack;
/// - on a ratio (`delivery`, `drop_rate`, `connect_success`) `0.1%` or `0.1pp` is absolute, in
///   percentage points: a delivery ratio may fall from 100% to 99.9%.
///
/// So `p99=10%,p99=0ms` sets both slacks of p99.
public struct RegressionTolerances: Sendable, Equatable {
    private var byKey: [String: Tolerance]

    /// Every figure at its default.
    public static let defaults = RegressionTolerances(
        byKey: Dictionary(uniqueKeysWithValues: ComparedFigure.all.map { ($0.key, $0.defaultTolerance) }))

    private init(byKey: [String: Tolerance]) {
        self.byKey = byKey
    }

    /// The tolerance of the figure with this key or alias.
    public subscript(key: String) -> Tolerance {
        get { ComparedFigure.named(key).flatMap { byKey[$0.key] } ?? Tolerance() }
        set {
            if let figure = ComparedFigure.named(key) { byKey[figure.key] = newValue }
        }
    }

    /// The defaults changed by a `--max-regression` list such as `p99=10%,delivery=0.1%,connect=200ms`.
    public init(parsing list: String) throws(ToleranceError) {
        self = .defaults
        for entry in list.split(separator: ",", omittingEmptySubsequences: false) {
            let item = entry.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .notKeyValue(item) }
            let key = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            guard let figure = ComparedFigure.named(key) else {
                throw .unknownFigure(key, suggestion: Self.suggestion(for: key))
            }
            guard let (slack, isRelative) = Self.slack(value, unit: figure.unit) else {
                throw .badValue(key: key, value: value, unit: figure.unit)
            }
            if isRelative {
                byKey[figure.key, default: figure.defaultTolerance].relative = slack
            } else {
                byKey[figure.key, default: figure.defaultTolerance].absolute = slack
            }
        }
    }

    /// The slack a value gives, and whether it is relative; nil for a value the unit does not take.
    static func slack(_ value: String, unit: ComparedFigure.Unit) -> (Double, Bool)? {
        func number(_ text: Substring) -> Double? {
            guard let number = Double(text), number.isFinite, number >= 0, !text.contains(where: \.isLetter) else {
                return nil
            }
            return number
        }
        let text = Substring(value.lowercased())
        if let percent = text.hasSuffix("%") ? number(text.dropLast()) : nil {
            return unit == .ratio ? (percent / 100, false) : (percent / 100, true)
        }
        switch unit {
        case .ratio:
            return text.hasSuffix("pp") ? number(text.dropLast(2)).map { ($0 / 100, false) } : nil
        case .milliseconds:
            if text.hasSuffix("ms") { return number(text.dropLast(2)).map { ($0, false) } }
            if text.hasSuffix("s") { return number(text.dropLast()).map { ($0 * 1_000, false) } }
            return nil
        case .count, .perSecond:
            return number(text).map { ($0, false) }
        }
    }

    /// The known key closest to `key`, if it is close enough to be a typo.
    private static func suggestion(for key: String) -> String? {
        let names = ComparedFigure.all.flatMap { [$0.key] + $0.aliases }
        let scored = names.map { ($0, distance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (name, score) = scored, score <= max(1, min(key.count, name.count) / 3) else { return nil }
        return name
    }

    /// Levenshtein distance.
    private static func distance(_ a: String, _ b: String) -> Int {
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, character) in a.enumerated() {
            var current = [i + 1]
            for j in b.indices {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (character == b[j] ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
