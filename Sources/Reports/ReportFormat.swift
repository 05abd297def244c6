/// The forms a run report renders to (`clickswarm report --format`, `clickswarm run --html` ...).
public enum ReportFormat: String, CaseIterable, Sendable {
    /// The terminal summary, without colours.
    case text
    /// Markdown, for CI job summaries such as `$GITHUB_STEP_SUMMARY`.
    case md
    /// One self-contained HTML file (inline CSS and SVG; nothing fetched), well-formed XHTML.
    case html
    /// JUnit XML: one test case per SLO and one for the reconciliation.
    case junit
    /// Prometheus text exposition (0.0.4) of the final figures.
    case prom

    /// The file name ending of this form, written next to the JSON report: `.md`, `.junit.xml` ...
    public var fileExtension: String {
        switch self {
        case .text: "txt"
        case .md: "md"
        case .html: "html"
        case .junit: "junit.xml"
        case .prom: "prom"
        }
    }
}
