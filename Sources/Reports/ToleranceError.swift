/// A `--max-regression` list that cannot be read; the message names the bad entry.
public enum ToleranceError: Error, Equatable, CustomStringConvertible {
    /// An entry without `=`.
    case notKeyValue(String)
    /// A key that names no compared figure, and the closest one if it looks like a typo.
    case unknownFigure(String, suggestion: String?)
    /// A value the figure's unit does not take.
    case badValue(key: String, value: String, unit: ComparedFigure.Unit)

    public var description: String {
        switch self {
        case .notKeyValue(let entry):
            return "--max-regression: '\(entry)' is not key=value, such as p99=10% or delivery=0.1%"
        case .unknownFigure(let key, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "--max-regression: unknown figure '\(key)'\(hint); known figures: "
                + ComparedFigure.all.map(\.key).joined(separator: ", ")
        case .badValue(let key, let value, let unit):
            let expected: String
            switch unit {
            case .milliseconds: expected = "a percentage (10%) or a duration (200ms, 1.5s)"
            case .ratio: expected = "percentage points (0.1% or 0.1pp)"
            case .count: expected = "a percentage (1%) or a number of events (10)"
            case .perSecond: expected = "a percentage (20%) or events per second (500)"
            }
            return "--max-regression: \(key)='\(value)' is not \(expected), at least 0"
        }
    }
}
