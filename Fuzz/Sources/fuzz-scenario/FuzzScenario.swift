import Simulation

/// Bytes as a scenario file: UTF-8 text (as `Scenario.load` requires) through the YAML scenario
/// parser and, when it parses, the script library that compiles its journeys' event templates.
/// Every refusal must carry at least one error with a place.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    do {
        let scenario = try Scenario(yaml: text, file: "fuzz.yaml")
        _ = try? ScriptLibrary(scenario: scenario)
    } catch {
        precondition(!error.errors.isEmpty, "a refused scenario must say why")
        for problem in error.errors {
            precondition(problem.line >= 1 && problem.column >= 1, "an error without a place: \(problem)")
        }
    }
    return 0
}
