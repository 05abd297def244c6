extension BaselineComparison {
    /// How `rendered(_:)` lays out the delta table.
    public enum Format: String, Sendable, CaseIterable {
        /// Aligned columns for a terminal or a log.
        case text
        /// A Markdown table, for a CI job summary.
        case md
    }

    /// One line: no regression, or which figures regressed and by how much.
    public var summary: String {
        let regressed = regressions
        guard !regressed.isEmpty else {
            let improved = rows.filter { $0.status == .improved }.count
            return "no regression against the baseline (\(rows.count) figures compared, \(improved) improved)"
        }
        let which = regressed.map { "\($0.figure) \($0.change) (tolerance \($0.tolerance))" }
        return "\(regressed.count) regression\(regressed.count == 1 ? "" : "s") against the baseline: "
            + which.joined(separator: "; ")
    }

    /// The delta table with a header naming both runs and the summary line under it.
    public func rendered(_ format: Format) -> String {
        let header = ["figure", "baseline", "current", "change", "tolerance", "status"]
        let cells = rows.map { [$0.figure, $0.baseline, $0.current, $0.change, $0.tolerance, $0.status.rawValue] }
        var lines: [String] = []
        switch format {
        case .text:
            lines.append("baseline: \(Self.describe(baselineRun))")
            lines.append("current:  \(Self.describe(currentRun))")
            if !mismatches.isEmpty { lines.append("warning: different runs: " + mismatches.joined(separator: "; ")) }
            let widths = header.indices.map { column in
                ([header] + cells).map { $0[column].count }.max() ?? 0
            }
            for line in [header] + cells {
                let padded = line.indices.map { column in
                    column == 0 || column == line.count - 1
                        ? Formatting.padded(line[column], widths[column])
                        : Formatting.leftPadded(line[column], widths[column])
                }
                lines.append(padded.joined(separator: "  ").trimmingTrailingSpaces())
            }
            lines.append(summary)
        case .md:
            lines.append("### Baseline comparison")
            lines.append("")
            lines.append("- baseline: \(Self.describe(baselineRun))")
            lines.append("- current: \(Self.describe(currentRun))")
            if !mismatches.isEmpty {
                lines.append("- **warning**: different runs: " + mismatches.joined(separator: "; "))
            }
            lines.append("")
            lines.append("| " + header.joined(separator: " | ") + " |")
            lines.append("|---|---:|---:|---:|---:|---|")
            for line in cells {
                var escaped = line.map { $0.replacingOccurrences(of: "|", with: "\\|") }
                if escaped[5] == Status.regression.rawValue { escaped[5] = "**\(escaped[5])**" }
                lines.append("| " + escaped.joined(separator: " | ") + " |")
            }
            lines.append("")
            lines.append(hasRegression ? "**\(summary)**" : summary)
        }
        return lines.joined(separator: "\n")
    }

    /// `smoke, seed 42, 300 devices, 20s live, run 1a2b (2026-11-29T03:00:00Z)`.
    private static func describe(_ run: RunInfo) -> String {
        let duration = run.durationS == run.durationS.rounded() ? "\(Int(run.durationS))s" : "\(run.durationS)s"
        return "\(run.scenario), seed \(run.seed), \(run.devices) devices, \(duration) \(run.mode.rawValue), "
            + "run \(run.id) (\(run.startedAt))"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
