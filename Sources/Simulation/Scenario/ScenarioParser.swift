import ClickstreamSDK
import Yams

/// Turns the text of a scenario file into a `Scenario`, collecting every problem it finds (with
/// file, line, column and field path) instead of stopping at the first. The schema is documented
/// in `scenarios/README.md`.
struct ScenarioParser {
    let file: String
    private(set) var errors: [ScenarioError] = []
    /// How many more values the event attributes being converted may have.
    var attributeValuesLeft = 0

    static let topKeys = [
        "name", "description", "seed", "duration", "drain", "target", "collector", "faults", "population", "sdk",
        "battery", "networks", "lifecycle", "remote_config", "journeys", "slos", "capacity",
    ]

    init(file: String) {
        self.file = file
    }

    /// The errors in file order (cross-field checks run last but are reported where they belong).
    var sortedErrors: [ScenarioError] {
        errors.enumerated()
            .sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            .map(\.element)
    }

    /// Records a problem with `value` (at the value itself).
    mutating func fail(_ value: YAMLValue, _ message: String) {
        fail(at: value.position, path: value.path, message)
    }

    mutating func fail(at position: YAMLValue.Position, path: String, _ message: String) {
        errors.append(
            ScenarioError(file: file, line: position.line, column: position.column, path: path, message: message))
    }

    /// The scenario, or nil when a required part is missing or wrong; `errors` says why.
    mutating func parse(yaml: String) -> Scenario? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            recordSyntaxError(error, in: yaml)
            return nil
        }
        guard let root else {
            fail(
                at: .start, path: "",
                "the file is empty; a scenario needs at least name, duration, population and journeys")
            return nil
        }
        return scenario(YAMLValue(node: root, path: "", owner: .start))
    }

    private mutating func scenario(_ value: YAMLValue) -> Scenario? {
        guard
            let fields = fields(
                value, keys: Self.topKeys, required: ["name", "duration", "population", "journeys"])
        else { return nil }

        let name = fields["name"].flatMap { scenarioName($0) }
        let duration = fields["duration"].flatMap { quantity($0, as: .duration, above: 0) }
        let (target, targetTLS) = fields["target"].flatMap { self.target($0) } ?? (.embedded, Scenario.TargetTLS())
        let population = fields["population"].flatMap { self.population($0) }
        let journeys = fields["journeys"].flatMap { self.journeys($0) }

        var scenario = Scenario(
            name: name ?? "", duration: duration ?? 1, population: population ?? Scenario.Population(devices: 1),
            journeys: journeys ?? [])
        scenario.file = file
        scenario.target = target
        scenario.targetTLS = targetTLS
        if let value = fields["description"], let text = text(value) { scenario.description = text }
        if let value = fields["seed"], let seed = seed(value) { scenario.seed = seed }
        if let value = fields["drain"], let drain = quantity(value, as: .duration) { scenario.drain = drain }
        let remote = target != .embedded
        if let value = fields["collector"] {
            if remote {
                fail(value, "only applies to the embedded collector; remove it or use target: embedded")
            } else if let collector = collector(value) {
                scenario.collector = collector
            }
        }
        if let value = fields["faults"] {
            if remote {
                fail(value, "faults are injected by the embedded collector; remove them or use target: embedded")
            } else if let faults = faults(value) {
                scenario.faults = faults
                if scenario.collector.kafka?.brokers != .local, let window = faults.first(where: \.brokerDown) {
                    fail(
                        value,
                        "broker_down (the window at line \(window.line)) takes down the run's own broker: "
                            + "it needs collector.kafka: local")
                }
            }
        }
        if let value = fields["sdk"] { scenario.sdk = sdkOverrides(value) }
        if let value = fields["battery"] { scenario.battery = battery(value) }
        if let value = fields["networks"] { scenario.networks = networks(value) }
        if let value = fields["lifecycle"] { scenario.lifecycle = lifecycle(value) }
        if let value = fields["remote_config"] { scenario.remoteConfig = remoteConfig(value) }
        if let value = fields["slos"] { scenario.slos = slos(value) }
        if let value = fields["capacity"] { scenario.capacity = capacity(value) }

        guard name != nil, duration != nil, population != nil, journeys != nil else { return nil }
        return scenario
    }

    private mutating func scenarioName(_ value: YAMLValue) -> String? {
        guard let name = text(value) else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.allSatisfy({ allowed.contains($0) }) else {
            fail(
                value, "'\(name)' is not a valid name; use only letters, digits, '.', '_' and '-' (it names the report)"
            )
            return nil
        }
        return name
    }

    private mutating func seed(_ value: YAMLValue) -> UInt64? {
        guard let text = value.scalarText, !value.isNull,
            let seed = UInt64(text.replacingOccurrences(of: "_", with: ""))
        else {
            fail(value, "expected an integer from 0 to \(UInt64.max), got \(value.kindDescription)")
            return nil
        }
        return seed
    }

    /// Reports a YAML syntax error at the line Yams gives.
    private mutating func recordSyntaxError(_ error: any Error, in yaml: String) {
        guard let error = error as? YamlError else {
            fail(at: .start, path: "", "invalid YAML: \(error)")
            return
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            if Self.character(atLine: mark.line, column: mark.column, in: yaml) == "\t" {
                message += "; YAML does not allow tabs for indentation, use spaces"
            }
            fail(at: YAMLValue.Position(line: mark.line, column: mark.column), path: "", message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the mapping; the user needs the repeat, so find each key's second place.
            for key in duplicates.sorted() {
                let position =
                    Self.repeatedKey(key, inMappingAt: context.mark.line, column: context.mark.column, in: yaml)
                    ?? YAMLValue.Position(line: context.mark.line, column: context.mark.column)
                fail(at: position, path: "", "invalid YAML: duplicate key '\(key)' (it is given again here)")
            }
        case .reader(let problem, let offset, _, _):
            fail(at: Self.position(ofUTF8Offset: offset, in: yaml), path: "", "invalid YAML: \(problem)")
        default:
            fail(at: .start, path: "", "invalid YAML: \(error)")
        }
    }

    /// Where `key` is given for the second time in the mapping that starts at `line`, `column`
    /// (1-based): in a flow mapping (`{a: 1, a: 2}`), the second place on its line at its own
    /// depth; in a block mapping, the next line at the mapping's indentation that names it.
    static func repeatedKey(_ key: String, inMappingAt line: Int, column: Int, in text: String)
        -> YAMLValue.Position?
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard line >= 1, line <= lines.count else { return nil }
        let target = Array(key.unicodeScalars)
        func names(_ content: [Unicode.Scalar], at index: Int) -> Bool {
            var end = index
            for quote in ["\"", "'"] where content[index] == Unicode.Scalar(quote)! {
                end = index + 1
                guard end + target.count < content.count, Array(content[end..<end + target.count]) == target,
                    content[end + target.count] == Unicode.Scalar(quote)!
                else { return false }
                return end + target.count + 1 < content.count && content[end + target.count + 1] == ":"
            }
            guard end + target.count < content.count, Array(content[end..<end + target.count]) == target else {
                return false
            }
            return content[end + target.count] == ":"
        }
        let first = lines[line - 1]
        // libyaml marks a flow mapping at its first key, just after the brace.
        let brace = (max(0, column - 2)...min(first.count - 1, max(0, column - 1))).first { first[$0] == "{" }
        if column >= 1, column <= first.count, let brace {
            var depth = 0
            var seen = 0
            var previous: Unicode.Scalar = " "
            for index in brace..<first.count {
                let scalar = first[index]
                if scalar == "{" || scalar == "[" { depth += 1 }
                if scalar == "}" || scalar == "]" { depth -= 1 }
                if depth == 0 { break }
                if depth == 1, previous == "{" || previous == "," || previous == " ", names(first, at: index) {
                    seen += 1
                    if seen == 2 { return YAMLValue.Position(line: line, column: index + 1) }
                }
                previous = scalar
            }
            return nil
        }
        var seen = 0
        var indentation: Int?
        for number in line...lines.count {
            let content = lines[number - 1]
            guard let start = content.firstIndex(where: { $0 != " " && $0 != "-" }), content[start] != "#" else {
                continue
            }
            if let indentation, start < indentation { break }
            // A deeper line belongs to a nested mapping, whose keys are its own.
            if let indentation, start > indentation { continue }
            if indentation == nil { indentation = start }
            if names(content, at: start) {
                seen += 1
                if seen == 2 { return YAMLValue.Position(line: number, column: start + 1) }
            }
        }
        return nil
    }

    /// The character at a 1-based line and column (counted in Unicode scalars, as libyaml does).
    private static func character(atLine line: Int, column: Int, in text: String) -> Unicode.Scalar? {
        guard line >= 1, column >= 1 else { return nil }
        let lines = text.split(separator: "\n", maxSplits: line, omittingEmptySubsequences: false)
        guard line <= lines.count else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars.prefix(column))
        return scalars.count == column ? scalars[column - 1] : nil
    }

    private static func position(ofUTF8Offset offset: Int?, in text: String) -> YAMLValue.Position {
        guard let offset, offset >= 0 else { return .start }
        var line = 1
        var column = 1
        for byte in text.utf8.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLValue.Position(line: line, column: column)
    }
}
