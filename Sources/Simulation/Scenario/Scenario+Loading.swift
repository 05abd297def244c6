import Foundation

extension Scenario {
    /// Reads and parses the scenario file at `path`; every problem (an unreadable file included)
    /// is in the thrown `ScenarioErrors`.
    public static func load(file path: String) throws(ScenarioErrors) -> Scenario {
        func failure(_ message: String) -> ScenarioErrors {
            ScenarioErrors([ScenarioError(file: path, line: 0, column: 0, path: "", message: message)])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file")
        }
        guard !isDirectory.boolValue else { throw failure("is a directory, not a scenario file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure("cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("is not UTF-8 text") }
        return try Scenario(yaml: text, file: path)
    }

    /// Parses a scenario from YAML text; `file` names it in messages.
    public init(yaml: String, file: String) throws(ScenarioErrors) {
        var parser = ScenarioParser(file: file)
        let scenario = parser.parse(yaml: yaml)
        guard let scenario, parser.errors.isEmpty else {
            var errors = parser.sortedErrors
            if errors.isEmpty {
                errors = [ScenarioError(file: file, line: 1, column: 1, path: "", message: "not a valid scenario")]
            }
            throw ScenarioErrors(errors)
        }
        self = scenario
    }
}
