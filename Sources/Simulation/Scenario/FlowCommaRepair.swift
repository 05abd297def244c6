import Yams

/// Inside a YAML flow collection (`{...}` or `[...]`) a comma always separates entries, so
/// `{duration: uniform(20m, 1h)}` reads as `duration: "uniform(20m"` plus a key `1h)` with no
/// value. The schema writes distributions that way, so the parser joins such pieces back together:
/// a plain value with an unclosed `(` takes the following plain, valueless keys (or list items)
/// until its parentheses balance. Nothing changes when they never balance.
enum FlowCommaRepair {
    static func repair(_ pairs: [(key: Node, value: Node)]) -> [(key: Node, value: Node)] {
        var result: [(key: Node, value: Node)] = []
        var index = 0
        while index < pairs.count {
            let pair = pairs[index]
            index += 1
            guard case .scalar(var scalar) = pair.value, scalar.style == .plain, balance(scalar.string) > 0 else {
                result.append(pair)
                continue
            }
            var text = scalar.string
            var next = index
            while next < pairs.count, balance(text) > 0, case .scalar(let piece) = pairs[next].key,
                piece.style == .plain, isEmptyPlain(pairs[next].value)
            {
                text += ", " + piece.string
                next += 1
            }
            if balance(text) == 0 {
                scalar.string = text
                result.append((pair.key, .scalar(scalar)))
                index = next
            } else {
                result.append(pair)
            }
        }
        return result
    }

    static func repair(_ items: [Node]) -> [Node] {
        var result: [Node] = []
        var index = 0
        while index < items.count {
            let item = items[index]
            index += 1
            guard case .scalar(var scalar) = item, scalar.style == .plain, balance(scalar.string) > 0 else {
                result.append(item)
                continue
            }
            var text = scalar.string
            var next = index
            while next < items.count, balance(text) > 0, case .scalar(let piece) = items[next], piece.style == .plain {
                text += ", " + piece.string
                next += 1
            }
            if balance(text) == 0 {
                scalar.string = text
                result.append(.scalar(scalar))
                index = next
            } else {
                result.append(item)
            }
        }
        return result
    }

    /// Open parentheses minus closed ones.
    private static func balance(_ text: String) -> Int {
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 } else if character == ")" { depth -= 1 }
        }
        return depth
    }

    private static func isEmptyPlain(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain && scalar.string.isEmpty
    }
}
