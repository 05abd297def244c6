import Foundation
import Reports

/// Writes run reports as `<directory>/<scenario>-<UTC time>.json`.
enum ReportFile {
    static func name(scenario: String, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(scenario)-\(formatter.string(from: date)).json"
    }

    static func write(_ report: RunReport, scenario: String, at date: Date, to directory: String) throws(RunError)
        -> String
    {
        let path = (directory as NSString).appendingPathComponent(name(scenario: scenario, at: date))
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try report.jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWriteReport("\(path): \(error.localizedDescription)")
        }
        return path
    }
}
