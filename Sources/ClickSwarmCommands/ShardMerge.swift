import Foundation
import Reports

/// The logic behind `clickswarm merge`: the shards' reports of one run into the run's report.
package enum ShardMerge {
    /// Reads every shard's report, merges them, writes the result to `output` (standard output
    /// when nil).
    package static func run(
        reports: [String], output: String?, errors: @escaping @Sendable (String) -> Void
    ) -> ExitStatus {
        func fail(_ message: String, _ status: ExitStatus) -> ExitStatus {
            errors("clickswarm merge: \(message)")
            return status
        }
        var shards: [RunReport] = []
        for path in reports {
            do {
                shards.append(try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: path))))
            } catch let error as ReportDecodingError {
                return fail("\(path): \(error)", .invalidInput)
            } catch {
                return fail("\(path): cannot read it: \(error.localizedDescription)", .invalidInput)
            }
        }
        let merged: RunReport
        do {
            merged = try RunReport.merge(shards)
        } catch {
            return fail("\(error)", .invalidInput)
        }
        let data: Data
        do { data = try merged.jsonData() } catch { return fail("cannot encode the report: \(error)", .unexpected) }
        guard let output else {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return .success
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            return fail("\(output): cannot write the merged report: \(error.localizedDescription)", .cannotWrite)
        }
        errors(
            "merged \(shards.count) shards of \(merged.run.scenario) (\(merged.run.devices) devices, "
                + "verdict \(merged.verdict.rawValue)): \(output)")
        return .success
    }
}
