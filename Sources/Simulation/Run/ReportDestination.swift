import Foundation
import Reports
import SwarmPrimitives

/// Where a run's report goes, chosen and checked before the first device starts.
///
/// The name is `<scenario>-<UTC time>[-N][-shard<i>of<n>].json` in the output folder: `-2`, `-3`
/// ... when another run of the scenario took the name in the same second, so two runs never
/// write over each other. The name is held from the start by the partial report's file
/// (`<name>.partial.json`), which the run rewrites every few seconds so that a crashed run still
/// leaves its figures; the final report replaces it. If the folder cannot be written at the end,
/// the report goes to the temporary folder and the result says so.
struct ReportDestination: Sendable {
    let directory: String
    let stem: String

    var path: String { (directory as NSString).appendingPathComponent(stem + ".json") }
    var partialPath: String { (directory as NSString).appendingPathComponent(stem + ".partial.json") }

    /// The folder exists (or is made) and is writable, and a name is taken.
    static func reserve(
        directory: String, scenario: String, at date: Date, shard: RunInfo.Shard?
    ) throws(RunError) -> ReportDestination {
        do {
            try FileIO.makeDirectory(directory)
        } catch {
            throw .cannotWriteReport("the output folder \(error)")
        }
        var base = safeName(scenario) + "-" + Self.timestamp(date)
        let suffix = shard.map { "-shard\($0.index)of\($0.count)" } ?? ""
        for attempt in 1...1000 {
            let stem = base + (attempt == 1 ? "" : "-\(attempt)") + suffix
            let destination = ReportDestination(directory: directory, stem: stem)
            guard !FileIO.exists(destination.path) else { continue }
            do {
                try FileIO.reserve(destination.partialPath)
                return destination
            } catch  where error.alreadyExists {
                continue
            } catch {
                throw .cannotWriteReport("the output folder \(directory) cannot be written: \(error.reason)")
            }
        }
        base += "-" + UUID().uuidString
        throw .cannotWriteReport("1,000 reports of \(scenario) were written in \(directory) in the same second")
    }

    /// Rewrites the partial report (best effort: a failure here is not worth stopping a run for).
    func writePartial(_ report: RunReport) -> FileIO.Failure? {
        do {
            try FileIO.write(Array(try report.jsonData()), to: partialPath)
            return nil
        } catch let failure as FileIO.Failure {
            return failure
        } catch {
            return FileIO.Failure(path: partialPath, reason: "cannot encode the report: \(error)")
        }
    }

    /// Writes the final report and removes the partial one. When the folder cannot be written,
    /// writes it to the temporary folder instead: the result's `problem` says why and where.
    func writeFinal(_ report: RunReport) throws(RunError) -> (path: String, problem: String?) {
        let bytes: [UInt8]
        do { bytes = Array(try report.jsonData()) } catch { throw .cannotWriteReport("cannot encode it: \(error)") }
        do {
            try FileIO.write(bytes, to: path)
            FileIO.remove(partialPath)
            return (path, nil)
        } catch {
            let fallback = (NSTemporaryDirectory() as NSString).appendingPathComponent(stem + ".json")
            do {
                try FileIO.write(bytes, to: fallback)
            } catch let second {
                throw .cannotWriteReport("\(error.description); nor in the temporary folder: \(second.description)")
            }
            return (fallback, "the report could not be written to \(error.description); it is at \(fallback)")
        }
    }

    /// `20261201T101112Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// A scenario name safe as a file name: letters, digits, `.`, `_` and `-`; anything else `_`.
    static func safeName(_ name: String) -> String {
        let kept = name.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return Character(scalar)
            default: return "_"
            }
        }
        let text = String(kept)
        return text.isEmpty || text.hasPrefix(".") ? "run" + text : text
    }
}
