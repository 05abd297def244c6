import Yams

/// A node of a scenario file with the field path it sits at (`journeys[0].screens.home`) and the
/// places to report problems: the node itself, and the key that introduced it (where a key missing
/// inside it is reported).
struct YAMLValue {
    /// A 1-based line and column.
    struct Position: Equatable {
        var line: Int
        var column: Int

        init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }

        init(_ mark: Mark?, or fallback: Position) {
            if let mark {
                self.init(line: mark.line, column: mark.column)
            } else {
                self = fallback
            }
        }

        static let start = Position(line: 1, column: 1)
    }

    var node: Node
    var path: String
    /// Where the value is.
    var position: Position
    /// Where its key is (the value's own position for the root and list items).
    var owner: Position

    init(node: Node, path: String, owner: Position) {
        self.node = node
        self.path = path
        self.position = Position(node.mark, or: owner)
        self.owner = owner
    }

    /// The value of `key`, whose key node is at `keyPosition`.
    func child(_ key: String, node: Node, keyPosition: Position) -> YAMLValue {
        YAMLValue(node: node, path: path.isEmpty ? key : "\(path).\(key)", owner: keyPosition)
    }

    /// The `index`th item of this list.
    func item(_ index: Int, node: Node) -> YAMLValue {
        YAMLValue(node: node, path: "\(path)[\(index)]", owner: Position(node.mark, or: position))
    }

    /// The scalar's text, or nil for a mapping or list.
    var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    /// An unquoted scalar (so `true`, `12` and `~` mean a bool, a number and nothing).
    var isPlain: Bool {
        if case .scalar(let scalar) = node { return scalar.style == .plain }
        return false
    }

    /// `~`, `null` or no value at all.
    var isNull: Bool {
        guard isPlain, let text = scalarText else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// YAML's (1.1) booleans, for a plain scalar.
    var boolValue: Bool? {
        guard isPlain, let text = scalarText else { return nil }
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// What the value is, for "expected X, got Y" messages.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing" }
            return "'\(scalar.string)'"
        }
    }
}
