extension Scenario.Target {
    /// Why a `--target` text is not a target.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `embedded`, or a `ws://`, `wss://` or `http://` URL, as in a scenario's `target`.
    public init(parsing text: String) throws(ParseError) {
        if text == "embedded" {
            self = .embedded
            return
        }
        switch ScenarioParser.parseURL(text) {
        case .success(let target): self = target
        case .failure(let problem): throw ParseError(description: "'\(text)' \(problem.message)")
        }
    }
}
