import Foundation

extension RunReport {
    /// The report as JSON: sorted keys, pretty printed, figures rounded when made, so the same
    /// report always gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a report written by `jsonData()`; a different `schema_version` or a malformed file
    /// throws a `ReportDecodingError` saying which.
    public static func decode(_ data: Data) throws -> RunReport {
        struct Version: Decodable {
            var schemaVersion: Int?
            enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version" }
        }
        let version: Version
        do {
            version = try JSONDecoder().decode(Version.self, from: data)
        } catch {
            throw ReportDecodingError(message: "not a ClickSwarm run report (not a JSON object): \(error)")
        }
        guard let found = version.schemaVersion else {
            throw ReportDecodingError(message: "not a ClickSwarm run report: it has no schema_version")
        }
        guard found == currentSchemaVersion else {
            throw ReportDecodingError(
                message: "run report schema_version \(found) is not supported: this clickswarm reads version "
                    + "\(currentSchemaVersion); use the clickswarm version that wrote it, or re-run the scenario")
        }
        let report: RunReport
        do {
            report = try JSONDecoder().decode(RunReport.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReportDecodingError(
                message: "run report is missing '\(Self.path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            // Foundation says only "not valid JSON" for a number that does not fit its field: decode
            // again from the tree to name the field and the value.
            if let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
                do {
                    _ = try JSONTreeDecoder.decode(RunReport.self, from: tree)
                } catch let problem as JSONTreeDecoder.Problem {
                    throw ReportDecodingError(message: "run report \(problem)")
                } catch {}
            }
            throw ReportDecodingError(
                message: "run report field '\(Self.path(context.codingPath))' is invalid: \(context.debugDescription)")
        }
        // Counts above 2^53 come from no run, and could overflow a merge.
        if let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let problem = Self.oversizedNumber(in: tree, path: [])
        {
            throw ReportDecodingError(message: "run report \(problem)")
        }
        return report
    }

    /// The largest number a report may carry, 2^53: no run produces more, every count is exact
    /// in a `Double`, and the sums of up to `RunReport.mostShards` shards cannot overflow.
    public static let largestNumber: Double = 9_007_199_254_740_992

    /// The first number in `tree` beyond ±`largestNumber`, as "field 'x' has the value N, ...".
    static func oversizedNumber(in tree: Any, path: [String]) -> String? {
        switch tree {
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                if let found = oversizedNumber(in: object[key]!, path: path + [key]) { return found }
            }
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                var indexed = path
                indexed.append((indexed.popLast() ?? "") + "[\(index)]")
                if let found = oversizedNumber(in: element, path: indexed) { return found }
            }
        case let number as NSNumber where abs(number.doubleValue) > largestNumber:
            return "field '\(path.joined(separator: "."))' has the value \(number), beyond what any run produces "
                + "(2^53 = 9007199254740992)"
        default:
            break
        }
        return nil
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
