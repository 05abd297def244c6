import Foundation
import SwarmPrimitives

extension Scenario {
    /// Reads and parses the scenario file at `path`; every problem (an unreadable file included)
    /// is in the thrown `ScenarioErrors`.
    public static func load(file path: String) throws(ScenarioErrors) -> Scenario {
        func failure(_ message: String) -> ScenarioErrors {
            ScenarioErrors([ScenarioError(file: path, line: 0, column: 0, path: "", message: message)])
        }
        let bytes: [UInt8]
        do {
            // A scenario is a few kilobytes; 16 MiB is room for any generated one.
            bytes = try FileIO.read(path, limit: 16 << 20)
        } catch {
            throw failure(error.code == ENOENT ? "no such file" : error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("is not UTF-8 text") }
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
