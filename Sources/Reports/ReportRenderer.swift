import Foundation
import SwarmPrimitives

/// Renders run reports: the logic behind `clickswarm report` and `clickswarm run --html` ...
public enum ReportRenderer {
    /// `report` in `format`.
    public static func render(_ report: RunReport, format: ReportFormat) -> String {
        switch format {
        case .text: report.terminalSummary(color: false)
        case .md: report.markdown()
        case .html: report.html()
        case .junit: report.junitXML()
        case .prom: report.prometheusText()
        }
    }

    /// Reads the JSON report at `path`; a missing, unreadable or malformed file throws
    /// `ReportFileError.unreadableReport` naming the file and what is wrong.
    public static func load(path: String) throws(ReportFileError) -> RunReport {
        let data: Data
        do {
            data = Data(try FileIO.read(path))
        } catch {
            throw .unreadableReport(path: path, reason: error.code == ENOENT ? "does not exist" : error.reason)
        }
        do {
            return try RunReport.decode(data)
        } catch let error as ReportDecodingError {
            throw .unreadableReport(path: path, reason: error.message)
        } catch {
            throw .unreadableReport(path: path, reason: "\(error)")
        }
    }

    /// Writes `text` to `path` atomically, creating its directory; throws
    /// `ReportFileError.cannotWrite` naming the path and the reason.
    public static func write(_ text: String, to path: String) throws(ReportFileError) {
        do {
            try FileIO.makeDirectory(FileIO.parent(of: path))
            try FileIO.write(Array(text.utf8), to: path)
        } catch {
            throw .cannotWrite(path: path, reason: error.path == path ? error.reason : error.description)
        }
    }

    /// The path of `format`'s rendering next to the JSON report at `jsonPath`: the same name
    /// with `.json` replaced by the format's extension (`results/smoke-X.json` gives
    /// `results/smoke-X.junit.xml`).
    public static func siblingPath(of jsonPath: String, format: ReportFormat) -> String {
        let base = jsonPath.hasSuffix(".json") ? String(jsonPath.dropLast(5)) : jsonPath
        return base + "." + format.fileExtension
    }
}
