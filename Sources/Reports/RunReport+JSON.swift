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
        do {
            return try JSONDecoder().decode(RunReport.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReportDecodingError(
                message: "run report is missing '\(Self.path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw ReportDecodingError(
                message: "run report field '\(Self.path(context.codingPath))' is invalid: \(context.debugDescription)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
