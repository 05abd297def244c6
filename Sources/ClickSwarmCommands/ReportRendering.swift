import Foundation
import Reports

/// The logic behind `clickswarm report`: a saved run report in another format.
package enum ReportRendering {
    /// Renders `file` as `format` to `output` (standard output when nil).
    package static func run(
        file: String, format: ReportFormat, output: String?, errors: @escaping @Sendable (String) -> Void
    ) -> ExitStatus {
        do throws(ReportFileError) {
            let text = ReportRenderer.render(try ReportRenderer.load(path: file), format: format)
            if let output {
                try ReportRenderer.write(text, to: output)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            return .success
        } catch {
            errors("clickswarm: \(error)")
            switch error {
            case .unreadableReport: return .invalidInput
            case .cannotWrite: return .cannotWrite
            }
        }
    }
}
