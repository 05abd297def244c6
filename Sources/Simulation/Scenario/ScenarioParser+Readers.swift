import SwarmPrimitives
import Yams

/// Typed readers: each returns nil after recording why the value is not what the schema wants.
extension ScenarioParser {
    /// The entries of a mapping that may only have `keys` and must have `required` (reported at
    /// the key that holds the mapping). No value at all counts as an empty mapping. `notes` gives
    /// a specific message for a key that is known to be misplaced.
    mutating func fields(
        _ value: YAMLValue, keys: [String], required: [String] = [], notes: [String: String] = [:]
    ) -> YAMLFields? {
        guard let entries = entries(value) else { return nil }
        var known: [String: YAMLValue] = [:]
        for entry in entries {
            if keys.contains(entry.name) {
                known[entry.name] = entry.value
            } else if let note = notes[entry.name] {
                fail(entry.key, note)
            } else {
                fail(entry.key, NameSuggestion.unknown("key", entry.name, among: keys))
            }
        }
        for key in required where known[key] == nil {
            fail(at: value.owner, path: value.path, "missing required key '\(key)'")
        }
        return YAMLFields(value: value, entries: known)
    }

    /// The entries of a mapping with free-form keys, in file order; `key` is positioned at the key
    /// but reports the mapping's path.
    mutating func entries(_ value: YAMLValue) -> [(name: String, key: YAMLValue, value: YAMLValue)]? {
        if value.isNull { return [] }
        guard case .mapping(let mapping) = value.node else {
            fail(value, "expected a mapping (key: value lines), got \(value.kindDescription)")
            return nil
        }
        var result: [(name: String, key: YAMLValue, value: YAMLValue)] = []
        for (keyNode, valueNode) in FlowCommaRepair.repair(Array(mapping)) {
            let key = YAMLValue(node: keyNode, path: value.path, owner: value.position)
            guard let name = key.scalarText else {
                fail(key, "expected a name as key, got \(key.kindDescription)")
                continue
            }
            result.append((name, key, value.child(name, node: valueNode, keyPosition: key.position)))
        }
        return result
    }

    mutating func list(_ value: YAMLValue) -> [YAMLValue]? {
        guard case .sequence(let sequence) = value.node else {
            fail(value, "expected a list, got \(value.kindDescription)")
            return nil
        }
        return FlowCommaRepair.repair(Array(sequence)).enumerated().map { value.item($0.offset, node: $0.element) }
    }

    mutating func text(_ value: YAMLValue) -> String? {
        guard let text = value.scalarText, !value.isNull else {
            fail(value, "expected a text, got \(value.kindDescription)")
            return nil
        }
        return text
    }

    mutating func bool(_ value: YAMLValue) -> Bool? {
        guard let bool = value.boolValue else {
            fail(value, "expected true or false, got \(value.kindDescription)")
            return nil
        }
        return bool
    }

    /// One of `choices`, spelled exactly.
    mutating func choice(_ value: YAMLValue, among choices: [String], what: String) -> String? {
        guard let text = text(value) else { return nil }
        guard choices.contains(text) else {
            fail(value, NameSuggestion.unknown(what, text, among: choices))
            return nil
        }
        return text
    }

    mutating func integer(_ value: YAMLValue, in range: ClosedRange<Int>) -> Int? {
        guard let text = value.scalarText, !value.isNull,
            let integer = Int(text.replacingOccurrences(of: "_", with: ""))
        else {
            fail(value, "expected an integer, got \(value.kindDescription)")
            return nil
        }
        guard range.contains(integer) else {
            if range.upperBound == Int.max {
                fail(value, "must be at least \(range.lowerBound), got \(integer)")
            } else {
                fail(value, "must be from \(range.lowerBound) to \(range.upperBound), got \(integer)")
            }
            return nil
        }
        return integer
    }

    /// One value (not a distribution) in base units; `above` is an exclusive lower bound.
    mutating func quantity(_ value: YAMLValue, as quantity: Distribution.Quantity, above: Double? = nil) -> Double? {
        guard let text = value.scalarText, !value.isNull else {
            fail(value, "expected \(quantity), got \(value.kindDescription)")
            return nil
        }
        let number: Double
        do {
            number = try Distribution.value(text, as: quantity)
        } catch {
            fail(value, error.description)
            return nil
        }
        if let above, number <= above {
            fail(value, "must be more than \(above == 0 ? "0" : "\(above)"), got '\(text)'")
            return nil
        }
        return number
    }

    mutating func distribution(_ value: YAMLValue, as quantity: Distribution.Quantity) -> Distribution? {
        guard let text = value.scalarText, !value.isNull else {
            fail(value, "expected \(quantity) or a distribution like uniform(a, b), got \(value.kindDescription)")
            return nil
        }
        do {
            return try Distribution(parsing: text, as: quantity)
        } catch {
            fail(value, error.description)
            return nil
        }
    }

    /// A whole number of bytes, at least `minimum`.
    mutating func byteCount(_ value: YAMLValue, minimum: Int, minimumText: String) -> Int? {
        guard let bytes = quantity(value, as: .bytes) else { return nil }
        guard bytes <= Double(1 << 40) else {
            fail(value, "must be at most 1TiB, got '\(value.scalarText ?? "")'")
            return nil
        }
        guard bytes == bytes.rounded() else {
            fail(value, "must be a whole number of bytes, got '\(value.scalarText ?? "")'")
            return nil
        }
        guard Int(bytes) >= minimum else {
            fail(value, "must be at least \(minimumText), got '\(value.scalarText ?? "")'")
            return nil
        }
        return Int(bytes)
    }

    /// Name-to-share entries: each a fraction, together 100% (within 0.01%). `names` lists the
    /// names allowed (nil: any); `what` names one entry in messages.
    mutating func shares(_ value: YAMLValue, names: [String]?, what: String) -> [(name: String, share: Double)]? {
        guard let entries = entries(value) else { return nil }
        guard !entries.isEmpty else {
            fail(value, "needs at least one \(what) with its share")
            return nil
        }
        var result: [(name: String, share: Double)] = []
        var namesValid = true
        for entry in entries {
            if let names, !names.contains(entry.name) {
                fail(entry.key, NameSuggestion.unknown(what, entry.name, among: names))
                namesValid = false
            }
            if let share = quantity(entry.value, as: .fraction) { result.append((entry.name, share)) }
        }
        guard result.count == entries.count else { return nil }
        let total = result.reduce(0) { $0 + $1.share }
        guard abs(total - 1) <= 0.0001 else {
            fail(value, "shares add up to \(Self.percent(total)), not 100%")
            return nil
        }
        return namesValid ? result : nil
    }

    /// `0.905` as `90.5%`.
    static func percent(_ fraction: Double) -> String {
        let points = (fraction * 100 * 10_000).rounded() / 10_000
        if points == points.rounded() && abs(points) < 1e15 { return "\(Int(points))%" }
        return "\(points)%"
    }
}
