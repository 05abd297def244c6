import Reports

extension Scenario.Target {
    /// Why a `--target` text is not a target.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `embedded`, or a `ws://`, `wss://`, `http://`, `https://`, `grpc://` or `grpcs://` URL, as
    /// in a scenario's `target`.
    public init(parsing text: String) throws(ParseError) {
        if text == "embedded" {
            self = .embedded
            return
        }
        switch ScenarioParser.parseURL(text) {
        case .success(let target): self = target
        case .failure(let problem): throw ParseError(description: "'\(Self.redacted(text))' \(problem.message)")
        }
    }

    /// A target URL safe to show, in reports, summaries, pushes and errors: without user
    /// information (`ws://…@host`) and without the query's values (`?token=…`), which often carry
    /// secrets. The devices still connect with the URL as given.
    public static func redacted(_ url: String) -> String {
        var text = url
        if let separator = text.range(of: "://") {
            let rest = text[separator.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                text.replaceSubrange(separator.upperBound...at, with: "…@")
            }
        }
        guard let question = text.firstIndex(of: "?") else { return text }
        let query = text[text.index(after: question)...]
        let fragment = query.firstIndex(of: "#").map { String(query[$0...]) } ?? ""
        let pairs = query.prefix { $0 != "#" }.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.firstIndex(of: "=").map { String(pair[..<$0]) + "=…" } ?? String(pair)
        }
        return String(text[..<question]) + "?" + pairs.joined(separator: "&") + fragment
    }
}

extension Scenario {
    /// The TLS settings of a remote target (ignored for plain schemes; the embedded collector's
    /// self-signed certificate is trusted without them).
    public struct TargetTLS: Sendable, Equatable {
        /// A PEM bundle of the certificate authorities to trust instead of the system's.
        public var caFile: String?
        /// Skip certificate and host-name checks; the summary warns and the report says so.
        public var insecure = false
        /// A PEM client certificate (chain) and its key, for mutual TLS.
        public var clientCertificate: String?
        public var clientKey: String?
        public init() {}

        /// Whether anything is set.
        public var isEmpty: Bool { self == TargetTLS() }
    }

    /// The `tls` section of the run's report: nil when the devices' connections are plain.
    public var tlsInfo: RunInfo.TLS? {
        switch target {
        case .embedded:
            return collector.tls ? RunInfo.TLS(verified: true, selfSigned: true) : nil
        case .remote(_, let scheme, _, _, _):
            guard scheme.isTLS else { return nil }
            return RunInfo.TLS(
                verified: !targetTLS.insecure, caFile: targetTLS.caFile,
                clientCertificate: targetTLS.clientCertificate != nil)
        }
    }
}
