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
        var file = name(scenario: scenario, at: date)
        if let shard = report.run.shard {
            // Shards of one run start together: each needs its own file.
            file = String(file.dropLast(5)) + "-shard\(shard.index)of\(shard.count).json"
        }
        let path = (directory as NSString).appendingPathComponent(file)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try report.jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWriteReport("\(path): \(error.localizedDescription)")
        }
        return path
    }
}
