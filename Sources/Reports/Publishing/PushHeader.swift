/// An extra request header of every push (`--push-header 'Authorization: Bearer ${TOKEN}'`).
/// Its value may be a secret: `description` shows the name only, and no error repeats a value.
package struct PushHeader: Sendable, Equatable, CustomStringConvertible {
    package let name: String
    package let value: String

    /// A header from `Name: value`, with every `${NAME}` in the value replaced by that
    /// environment variable. Throws when the form is wrong or a variable is unset or empty; the
    /// error names the header and the variable, never the value.
    package init(parsing text: String, environment: [String: String]) throws(PushHeaderError) {
        guard let colon = text.firstIndex(of: ":") else { throw .noColon }
        let name = String(text[..<colon]).trimmingWhitespace
        guard !name.isEmpty else { throw .emptyName }
        guard name.unicodeScalars.allSatisfy(Self.isTokenCharacter) else { throw .invalidName }
        let template = String(text[text.index(after: colon)...]).trimmingWhitespace
        let value = try Self.expand(template, header: name, environment: environment)
        guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
            throw .lineBreakInValue(header: name)
        }
        self.name = name
        self.value = value
    }

    package var description: String { "\(name): <hidden>" }

    /// `${NAME}` replaced from the environment; a `$` not followed by `{` stays as it is.
    private static func expand(
        _ template: String, header: String, environment: [String: String]
    ) throws(PushHeaderError) -> String {
        var result = ""
        var rest = Substring(template)
        while let dollar = rest.range(of: "${") {
            result += rest[..<dollar.lowerBound]
            let afterBrace = rest[dollar.upperBound...]
            guard let close = afterBrace.firstIndex(of: "}") else { throw .unterminatedVariable(header: header) }
            let variable = String(afterBrace[..<close])
            guard let first = variable.unicodeScalars.first, first == "_" || isASCIILetter(first),
                variable.unicodeScalars.allSatisfy({ $0 == "_" || isASCIILetter($0) || ("0"..."9").contains($0) })
            else { throw .invalidVariableName(header: header, variable: variable) }
            guard let found = environment[variable] else { throw .unsetVariable(header: header, variable: variable) }
            guard !found.isEmpty else { throw .emptyVariable(header: header, variable: variable) }
            result += found
            rest = afterBrace[afterBrace.index(after: close)...]
        }
        return result + rest
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || ("0"..."9").contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
    }
}

/// A `--push-header` that cannot be used. Messages name the header and the variable, never a value.
package enum PushHeaderError: Error, Sendable, Equatable, CustomStringConvertible {
    case noColon
    case emptyName
    /// The text before the colon is not a header name (not repeated: it may hold a secret).
    case invalidName
    case unterminatedVariable(header: String)
    case invalidVariableName(header: String, variable: String)
    case unsetVariable(header: String, variable: String)
    case emptyVariable(header: String, variable: String)
    case lineBreakInValue(header: String)

    package var description: String {
        switch self {
        case .noColon:
            return "a push header must look like 'Name: value' (it has no colon)"
        case .emptyName:
            return "a push header must look like 'Name: value' (the name before the colon is empty)"
        case .invalidName:
            return "a push header name (before the colon) may hold only letters, digits and !#$%&'*+-.^_`|~"
        case .unterminatedVariable(let header):
            return "push header '\(header)': a '${' has no closing '}'"
        case .invalidVariableName(let header, let variable):
            return "push header '\(header)': '${\(variable)}' is not an environment variable name "
                + "(letters, digits and _, not starting with a digit)"
        case .unsetVariable(let header, let variable):
            return "push header '\(header)' uses the environment variable \(variable), which is not set; "
                + "export \(variable) or drop the header"
        case .emptyVariable(let header, let variable):
            return "push header '\(header)' uses the environment variable \(variable), which is empty; "
                + "set \(variable) or drop the header"
        case .lineBreakInValue(let header):
            return "push header '\(header)': its value (after expansion) contains a line break or NUL"
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
