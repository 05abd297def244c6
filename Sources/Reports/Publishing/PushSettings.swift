import Foundation

/// An http:// or https:// URL to push to. It may carry credentials (`https://user:pass@host/`);
/// `description` never shows them, nor the query.
package struct PushURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL as given, credentials included: what libcurl is handed.
    let text: String
    private let components: URLComponents

    package init(parsing text: String) throws(PushURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw PushURLError(message: "is not a URL; expected http://host[:port]/path or https://...")
        }
        guard scheme == "http" || scheme == "https" else {
            throw PushURLError(message: "has the scheme '\(scheme)'; only http:// and https:// can be pushed to")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PushURLError(message: "has no host; expected \(scheme)://host[:port]/path")
        }
        guard components.fragment == nil else {
            throw PushURLError(message: "has a #fragment, which is never sent; drop it")
        }
        self.text = text
        self.components = components
    }

    /// The URL without user, password and query: safe for logs and errors.
    package var description: String {
        var shown = components
        shown.user = nil
        shown.password = nil
        let hadQuery = shown.query != nil
        shown.query = nil
        return (shown.string ?? "(URL)") + (hadQuery ? "?…" : "")
    }

    /// This URL with `path` (already percent-encoded, starting with `/`) appended to its path.
    func appending(encodedPath path: String) -> PushURL {
        var extended = components
        var base = extended.percentEncodedPath
        while base.hasSuffix("/") { base.removeLast() }
        extended.percentEncodedPath = base + path
        return PushURL(text: extended.string ?? text, components: extended)
    }

    private init(text: String, components: URLComponents) {
        self.text = text
        self.components = components
    }
}

/// A push URL that cannot be used; the message says why (and never shows credentials).
package struct PushURLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { "the push URL \(message)" }
}

/// Where and how a run's figures are pushed (`clickswarm run --push ...`).
package struct PushSettings: Sendable {
    /// `--push`: the JSON report is POSTed here.
    package var reportURL: PushURL?
    /// `--push-prometheus`: the final figures go to this Prometheus Pushgateway.
    package var pushgatewayURL: PushURL?
    /// `--push-interval`: live figures during the run, this often (seconds); nil for none.
    package var interval: Double?
    /// `--push-header`, already expanded.
    package var headers: [PushHeader] = []
    /// Seconds to wait for the connection, and for a whole attempt.
    package var connectTimeout: Double = 5
    package var timeout: Double = 30
    /// `--insecure`: skip TLS certificate and host name verification.
    package var insecure = false
    package var retry = PushRetryPolicy()

    package init() {}

    /// Nothing to push.
    package var isEmpty: Bool { reportURL == nil && pushgatewayURL == nil }
}
