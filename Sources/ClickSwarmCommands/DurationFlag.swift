import SwarmPrimitives

/// A duration given on the command line (`--duration 5m`), checked the way scenario files check
/// theirs: a unit, a value within `Distribution.longestDuration`, and positive where a zero makes
/// no sense.
package enum DurationFlag {
    /// Why a flag's value is not a usable duration, naming the flag.
    package struct Invalid: Error, Equatable, CustomStringConvertible {
        package var flag: String
        package var problem: String
        package var description: String { "\(flag) \(problem)" }
    }

    /// The seconds `text` stands for; `positive` refuses `0`.
    package static func parse(_ text: String, flag: String, positive: Bool = true) throws(Invalid) -> Double {
        let seconds: Double
        do {
            seconds = try Distribution.value(text, as: .duration)
        } catch {
            throw Invalid(flag: flag, problem: "\(error) (write it with a unit, such as 500ms, 30s, 5m or 2h)")
        }
        if positive, seconds <= 0 {
            throw Invalid(flag: flag, problem: "'\(text)' must be longer than zero")
        }
        return seconds
    }
}
