import ClickSwarmCommands
import Foundation
import Reports
import Testing

/// One list of exit codes: the code, the top-level help and the README say the same.
@Suite("Exit codes")
struct ExitStatusTests {

    @Test("the top-level help lists every exit code with its meaning")
    func help() throws {
        let result = try Binary.run(["--help"])
        #expect(result.status == 0)
        let text = result.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        for status in ExitStatus.allCases {
            #expect(text.contains("\(status.rawValue) \(status.description)"), "\(status) missing from the help")
        }
    }

    @Test("the README's exit-code table has a row for every code and no other")
    func readme() throws {
        let readme = try String(contentsOfFile: Binary.repository + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit codes").dropFirst().first)
        let rows = section.components(separatedBy: "\n## ").first!.split(separator: "\n")
            .filter { $0.hasPrefix("| ") && !$0.hasPrefix("| code") }
        let codes = rows.compactMap { Int32($0.dropFirst(2).prefix { $0.isNumber }) }
        #expect(codes == ExitStatus.allCases.map(\.rawValue))
    }

    @Test("the version: --version prints the one the reports record")
    func version() throws {
        let result = try Binary.run(["--version"])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == RunInfo.toolVersion)
    }
}
