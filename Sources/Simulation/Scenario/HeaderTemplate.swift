import Foundation

/// One connection header of `population.headers` or `run --header 'Name: value'`: it goes on
/// every device's WebSocket upgrade, every REST request and every gRPC call's metadata.
///
/// In the value, `{device}` is the device's index, `{uuid}` its seeded UUID (as in
/// `population.identity`) and `${NAME}` the environment variable `NAME`, read once when the run
/// starts. Values often carry secrets (`Authorization: "Bearer ${TOKEN}"`): nothing prints
/// them, `description` shows the name only, and errors name the header and the variable.
public struct HeaderTemplate: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// The value with its placeholders.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `Name: value`, as `--header` takes it.
    public init(parsing text: String) throws(HeaderTemplateError) {
        guard let colon = text.firstIndex(of: ":") else { throw .notAHeader }
        let name = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
        var value = Substring(text[text.index(after: colon)...])
        while value.first == " " || value.first == "\t" { value.removeFirst() }
        self.init(name: name, value: String(value))
        try check()
    }

    /// The header as messages may show it: its name, never its value.
    public var description: String { "\(name): …" }

    /// Headers the transports write themselves, or that would break the connection, cannot be
    /// set; the identity goes through `population.identity`.
    static let reserved: Set<String> = [
        "host", "upgrade", "connection", "content-type", "content-length", "transfer-encoding", "te",
        "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol",
        "x-user-id", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
    ]

    /// Fails when the name is not an HTTP token, is reserved, or a `${` is not closed.
    public func check() throws(HeaderTemplateError) {
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
        guard !name.isEmpty, name.allSatisfy({ token.contains($0) }) else { throw .badName(name) }
        guard !Self.reserved.contains(name.lowercased()), !name.lowercased().hasPrefix("grpc-") else {
            throw .reserved(name)
        }
        guard !value.contains("\r"), !value.contains("\n") else { throw .lineBreak(header: name) }
        _ = try variables()
    }

    /// The environment variables the value names, in order.
    public func variables() throws(HeaderTemplateError) -> [String] {
        var names: [String] = []
        var rest = Substring(value)
        while let start = rest.range(of: "${") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw .unclosed(header: name) }
            let variable = String(rest[start.upperBound..<end])
            guard !variable.isEmpty else { throw .unclosed(header: name) }
            names.append(variable)
            rest = rest[rest.index(after: end)...]
        }
        return names
    }

    /// The value with every `${NAME}` replaced from `environment`; an unset or empty variable
    /// is an error that names it (and the header), never a value.
    public func resolvingEnvironment(_ environment: [String: String]) throws(HeaderTemplateError) -> HeaderTemplate {
        var resolved = value
        for variable in try variables() {
            guard let text = environment[variable], !text.isEmpty else {
                throw .missingVariable(header: name, variable: variable)
            }
            resolved = resolved.replacingOccurrences(of: "${\(variable)}", with: text)
        }
        return HeaderTemplate(name: name, value: resolved)
    }

    /// The value for one device.
    func value(device: Int, uuid: String) -> String {
        value.replacingOccurrences(of: "{device}", with: String(device)).replacingOccurrences(of: "{uuid}", with: uuid)
    }
}

/// Why a header cannot be used; never quotes the value.
public enum HeaderTemplateError: Error, Equatable, CustomStringConvertible {
    case notAHeader
    case badName(String)
    case reserved(String)
    case lineBreak(header: String)
    case unclosed(header: String)
    case missingVariable(header: String, variable: String)

    public var description: String {
        switch self {
        case .notAHeader: return "is not 'Name: value'"
        case .badName(let name): return "'\(name)' is not a header name (letters, digits and !#$%&'*+-.^_`|~)"
        case .reserved(let name):
            return "\(name) is set by ClickSwarm itself (the identity header comes from population.identity)"
        case .lineBreak(let header): return "the value of \(header) has a line break"
        case .unclosed(let header): return "the value of \(header) has a '${' without a name and '}'"
        case .missingVariable(let header, let variable):
            return "the value of \(header) needs the environment variable \(variable), which is not set or empty"
        }
    }
}
